"""Decision margins of greedy and beam-search `generate` (see make_gpt2_fixtures.py)."""

import math

import torch


def greedy_margins(scores, sequences, prompt_len, eos_ids):
    """Per batch row: the smallest best-minus-second-best processed score over the steps at
    which the row was still unfinished.  `scores` is generate's output_scores."""
    rows = sequences.shape[0]
    worst = [math.inf] * rows
    eos = torch.tensor(sorted(set(eos_ids)))
    for step, step_scores in enumerate(scores):
        top2 = torch.topk(step_scores, 2, dim=-1).values
        gap = (top2[:, 0] - top2[:, 1]).tolist()
        # finished rows only receive padding
        finished = torch.isin(sequences[:, prompt_len : prompt_len + step], eos).any(dim=1).tolist()
        for row in range(rows):
            if not finished[row]:
                worst[row] = min(worst[row], gap[row])
    return worst


class BeamMonitor:
    """Wraps three GenerationMixin beam-search helpers of one model instance and records the
    margin of every comparison whose outcome shapes the result:

    (a) which running beams continue: K-th vs (K+1)-th best non-EOS accumulated candidate over
        all beams x vocab (K = num_beams), for rows still searching, except at the last step;
    (b) which EOS candidates may be finalised (only the top K of the top-2K candidates are):
        K-th vs (K+1)-th candidate, when either of the two ends a hypothesis;
    (c) the kept finished hypotheses (length-penalised): after a new hypothesis finishes, the
        gaps that decide membership in the kept K (except on the last step) and the order of
        the returned ones;
    (d) the early-stop heuristic (best possible running score vs worst kept finished score),
        when all K hypotheses of a row are finished and the outcome is not forced.
    Rows whose search is over (heuristic satisfied, or all finished with early_stopping=True)
    are ignored.
    """

    def __init__(self, model, eos_ids, num_return_sequences):
        self.model = model
        self.eos_ids = list(eos_ids)
        self.nrs = num_return_sequences
        self.rows = {}
        self.accumulated = None

    def add(self, row, margin):
        self.rows.setdefault(row, []).append(margin)

    def row_margins(self, batch_size):
        return [min(self.rows.get(b, [math.inf])) for b in range(batch_size)]

    def __enter__(self):
        cls = type(self.model)
        model = self.model

        def top_k(**kw):
            self.accumulated = kw["accumulated_log_probs"].detach().clone()
            return cls._get_top_k_continuations(model, **kw)

        def update(**kw):
            self._record_update(kw)
            return cls._update_finished_beams(model, **kw)

        def heuristic(**kw):
            self._record_heuristic(kw)
            return cls._check_early_stop_heuristic(**kw)

        model._get_top_k_continuations = top_k
        model._update_finished_beams = update
        model._check_early_stop_heuristic = heuristic
        return self

    def __exit__(self, *exc):
        for name in ("_get_top_k_continuations", "_update_finished_beams", "_check_early_stop_heuristic"):
            del self.model.__dict__[name]
        return False

    def _record_update(self, kw):
        k = kw["num_beams"]
        hits = kw["next_token_hits_stopping_criteria"]
        values = kw["topk_log_probs"]
        unsatisfied = kw["is_early_stop_heuristic_unsatisfied"]
        finished = kw["is_sent_finished"]
        early_stopping = kw["early_stopping"]
        cur_len, prompt_len = kw["cur_len"], kw["decoder_prompt_len"]
        accumulated = self.accumulated
        vocab = accumulated.shape[1] // k
        for b in range(values.shape[0]):
            if not unsatisfied[b, 0] or (early_stopping is True and finished[b].all()):
                continue
            # (a) running beams
            if not hits[b].all():
                masked = accumulated[b].clone().view(k, vocab)
                masked[:, self.eos_ids] = -math.inf
                best = torch.topk(masked.reshape(-1), k + 1).values
                self.add(b, (best[k - 1] - best[k]).item())
            # On the last step (max_length: every candidate hits) only what is returned matters.
            last = bool(hits[b].all())
            # (b) which EOS candidates are in the top K
            if (hits[b, k - 1] or hits[b, k]) and (not last or self.nrs >= k):
                self.add(b, (values[b, k - 1] - values[b, k]).item())
            # (c) finalised hypotheses
            eligible = hits[b].clone()
            eligible[k:] = False
            if eligible.any():
                penalised = values[b] / ((cur_len + 1 - prompt_len) ** kw["length_penalty"])
                previous = kw["beam_scores"][b][finished[b]]
                merged = torch.sort(torch.cat([previous, penalised[eligible]]), descending=True).values
                for i in range(min(len(merged), k + 1) - 1):
                    if i < self.nrs or (i == k - 1 and not last):
                        self.add(b, (merged[i] - merged[i + 1]).item())

    def _record_heuristic(self, kw):
        if kw["cur_len"] >= kw["max_length"]:
            return  # the loop ends on max_length anyway
        length_penalty = kw["length_penalty"]
        if kw["early_stopping"] == "never" and length_penalty > 0.0:
            length = kw["max_length"] - kw["decoder_prompt_len"]
        else:
            length = kw["cur_len"] - kw["decoder_prompt_len"]
        for b in range(kw["beam_scores"].shape[0]):
            if not kw["is_early_stop_heuristic_unsatisfied"][b, 0] or not kw["is_sent_finished"][b].all():
                continue
            if kw["early_stopping"] is True:
                continue
            best = kw["running_beam_scores"][b, 0] / (length**length_penalty)
            worst = kw["beam_scores"][b].min()
            self.add(b, abs((best - worst).item()))
