#!/usr/bin/env python3
"""Generate the GPT-2 / decoding-engine reference fixtures used by the Rust test suite.

Usage:
    python scripts/make_gpt2_fixtures.py --out fixtures
    python scripts/make_gpt2_fixtures.py --out fixtures --search SEED   # prompt search only

What it writes under --out (see the "models/gpt2/ and generation/" section of
fixtures/README.md, which this script appends or replaces):

  models/gpt2/              a tiny random GPT2LMHeadModel (save_pretrained, safetensors) with the
                            real GPT-2 tokenizer, and reference.json: logits, loss and gradients
                            of a left-padded batch of three prompts.
  generation/generate.json  `model.generate` outputs (greedy and beam search variants) on that
                            model and batch, with the smallest decision margin of every case.
  generation/processors.json  transformers' logits processors / warpers applied to a fixed
                            random score matrix, and the processor order `generate` builds.

The GPT-2 vocab.json / merges.txt are read from <out>/tokenizers/gpt2/ (committed).  Nothing is
downloaded; from_pretrained is only called on local directories.

Determinism: CPU, float32, eval mode, eager attention, single-threaded torch, fixed seed.

Margins.  Random std-0.2 weights give logits of std ~0.2 over 50257 tokens, so near-ties
between candidates are common, and a near-tie would turn a 1e-6 float difference on the Rust
side into a different token.  Every decision `generate` takes is therefore measured
(`greedy_margins`, `BeamMonitor`) and must be >= MIN_MARGIN.  Random draws rarely satisfy that
for all eleven cases at once (roughly 1 seed in 10^5 for fixed prompts), so `--search SEED`
picks the prompts instead: rows of a left-padded batch are independent in generate, so each
prompt slot (2, 5, 8 tokens) is searched separately over templated English prompts
(`candidate_prompts`), then the assembled batch is verified.  SEED and PROMPTS below are the
result of `--search 10`; the normal run re-checks every margin and refuses to write
generate.json if one is below MIN_MARGIN.
"""

import argparse
import json
import math
import os
import shutil
import sys

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Never talk to the Hugging Face hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import GenerationConfig, GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast  # noqa: E402
from transformers.generation import logits_process as lp  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Fixed inputs
# ---------------------------------------------------------------------------------------------

# Seed of the weight initialisation; with it `--search 10` picked PROMPTS (module docstring).
SEED = 10
# Standard deviation of *every* parameter (weights, biases, LayerNorm weights and biases).
INIT_STD = 0.2
# Every greedy / beam decision must be separated by at least this much (see greedy_margins).
MIN_MARGIN = 1e-3
# Seed of the random score matrix of processors.json.
PROCESSOR_SEED = 4321

# Three prompts of 2, 5 and 8 GPT-2 tokens (chosen by `--search 10` from candidate_prompts).
PROMPTS = [
    "My music",
    "She gave the soldier to",
    "Once upon a time there was a ball",
]
# The prompt used for the batch-of-one (unpadded) generation cases.
SINGLE_PROMPT_INDEX = 0

EOS_ID = 50256
PAD_ID = 50256

CONFIG = dict(
    vocab_size=50257,
    n_positions=64,
    n_embd=16,
    n_layer=2,
    n_head=4,
    n_inner=None,
    activation_function="gelu_new",
    resid_pdrop=0.0,
    embd_pdrop=0.0,
    attn_pdrop=0.0,
    layer_norm_epsilon=1e-5,
    bos_token_id=EOS_ID,
    eos_token_id=EOS_ID,
    tie_word_embeddings=True,
)

# Parameters whose full gradient is recorded in reference.json (HF names; Conv1D weights are
# [in, out]).
GRAD_PARAMS = [
    "transformer.h.0.attn.c_attn.weight",
    "transformer.h.0.attn.c_attn.bias",
    "transformer.h.1.mlp.c_proj.weight",
    "transformer.h.1.ln_2.weight",
    "transformer.ln_f.bias",
]
WPE_GRAD_ROWS = 16

# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def f32(value):
    """Shortest decimal that round-trips to the same float32 (as a python float)."""
    return float(str(torch.tensor(value, dtype=torch.float32).numpy()))


def tensor_json(t):
    """{"shape": [...], "data": [flat row-major]} with shortest-round-trip float32 decimals.

    -inf is written as null (JSON has no infinities); +inf and NaN are rejected.
    """
    arr = t.detach().to(torch.float32).cpu().contiguous().numpy()
    data = []
    for v in arr.reshape(-1):
        if math.isinf(v) and v < 0:
            data.append(None)
        elif not math.isfinite(v):
            raise ValueError(f"cannot encode {v}")
        else:
            data.append(float(str(v)))
    return {"shape": list(arr.shape), "data": data}


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        f.write("\n")


def replace_readme_section(readme_path, marker, section):
    """Replace the README section starting with `marker` (up to the next `## ` heading) by
    `section`, placed at the end; add it if absent."""
    with open(readme_path, encoding="utf-8") as f:
        text = f.read()
    if marker in text:
        start = text.index(marker)
        following = text.find("\n## ", start + len(marker))
        text = text[:start] + (text[following + 1 :] if following >= 0 else "")
    text = text.rstrip("\n") + "\n\n" + section
    with open(readme_path, "w", encoding="utf-8") as f:
        f.write(text)


# ---------------------------------------------------------------------------------------------
# Model, tokenizer, batch
# ---------------------------------------------------------------------------------------------


def build_model(seed):
    """Fresh GPT2LMHeadModel with every parameter drawn from N(0, INIT_STD) (seeded)."""
    config = GPT2Config(**CONFIG)
    model = GPT2LMHeadModel(config)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        # named_parameters() lists the tied wte / lm_head weight once (as transformer.wte.weight).
        for _, param in model.named_parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * INIT_STD)
    assert model.lm_head.weight.data_ptr() == model.transformer.wte.weight.data_ptr(), "lm_head not tied"
    return model.eval()


def load_model(directory):
    model = GPT2LMHeadModel.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager")
    return model.eval()


def build_tokenizer(gpt2_dir):
    tok = GPT2TokenizerFast(vocab=os.path.join(gpt2_dir, "vocab.json"), merges=os.path.join(gpt2_dir, "merges.txt"))
    tok.pad_token = tok.eos_token
    tok.padding_side = "left"
    return tok


def encode(tok, prompts):
    """Left-padded batch plus the position ids `generate` derives from the attention mask."""
    enc = tok(prompts, padding=True, return_tensors="pt")
    input_ids, attention_mask = enc["input_ids"], enc["attention_mask"]
    # transformers 5.23 GenerationMixin._prepare_position_ids_for_generation: padded slots get 0.
    position_ids = (attention_mask.long().cumsum(-1) - 1).masked_fill(attention_mask == 0, 0)
    return input_ids, attention_mask, position_ids


# ---------------------------------------------------------------------------------------------
# reference.json
# ---------------------------------------------------------------------------------------------


def loss_and_grads(model, input_ids, attention_mask, position_ids, labels):
    """HF's causal-LM loss for `labels` and the recorded gradients of it."""
    model.zero_grad(set_to_none=True)
    out = model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, labels=labels)
    out.loss.backward()
    params = dict(model.named_parameters())
    grads = {name: tensor_json(params[name].grad) for name in GRAD_PARAMS}
    grads[f"transformer.wpe.weight[:{WPE_GRAD_ROWS}]"] = tensor_json(
        params["transformer.wpe.weight"].grad[:WPE_GRAD_ROWS]
    )
    wte_grad = params["transformer.wte.weight"].grad
    ids = sorted(set(input_ids.reshape(-1).tolist()))
    result = {
        "loss": f32(out.loss.item()),
        "grads": grads,
        "wte_grad_rows": {"ids": ids, "rows": tensor_json(wte_grad[ids])},
        "wte_grad_abs_sum": f32(wte_grad.abs().sum().item()),
    }
    model.zero_grad(set_to_none=True)
    return out.logits.detach(), result


def make_reference(model, input_ids, attention_mask, position_ids):
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    logits, main = loss_and_grads(model, input_ids, attention_mask, position_ids, labels)
    # The shifted loss above also scores the prediction of each row's first real token from the
    # padded position before it.  Variant without those targets: only real positions' logits.
    previous_is_pad = torch.cat([torch.ones_like(attention_mask[:, :1]), attention_mask[:, :-1]], dim=1) == 0
    real_labels = labels.masked_fill(previous_is_pad, -100)
    _, real_only = loss_and_grads(model, input_ids, attention_mask, position_ids, real_labels)
    return {
        "prompts": PROMPTS,
        "batch": {
            "padding_side": "left",
            "pad_token_id": PAD_ID,
            "input_ids": input_ids.tolist(),
            "attention_mask": attention_mask.tolist(),
            "position_ids": position_ids.tolist(),
            "labels": labels.tolist(),
        },
        "logits_slice": tensor_json(logits[:, :, :512]),
        "logits_row_sums": tensor_json(logits.sum(-1)),
        "logits_row_sq_sums": tensor_json((logits**2).sum(-1)),
        "last_logits": tensor_json(logits[:, -1, :]),
        **main,
        "real_targets_only": {"labels": real_labels.tolist(), **real_only},
    }


# ---------------------------------------------------------------------------------------------
# Decision margins
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# generate.json
# ---------------------------------------------------------------------------------------------


def run_case(model, name, input_ids, attention_mask, kwargs, note=None, light=False):
    """Run model.generate(input_ids, attention_mask, **kwargs) and measure its margins.
    light (search only): beam search without output_scores, so no sequences_scores."""
    kwargs = dict(kwargs)
    kwargs.setdefault("pad_token_id", PAD_ID)
    eos = kwargs.get("eos_token_id", EOS_ID)
    eos_ids = eos if isinstance(eos, list) else [eos]
    beam = kwargs.get("num_beams", 1) > 1
    kwargs["return_dict_in_generate"] = True
    kwargs["output_scores"] = not (light and beam)
    with torch.no_grad():
        if beam:
            with BeamMonitor(model, eos_ids, kwargs.get("num_return_sequences", 1)) as monitor:
                out = model.generate(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
            row_margins = monitor.row_margins(input_ids.shape[0])
        else:
            out = model.generate(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
            row_margins = greedy_margins(out.scores, out.sequences, input_ids.shape[1], eos_ids)
    case = {
        "name": name,
        "kwargs": kwargs,
        "input_ids": input_ids.tolist(),
        "attention_mask": attention_mask.tolist(),
        "sequences": out.sequences.tolist(),
    }
    if beam and not light:
        case["sequences_scores"] = [f32(v) for v in out.sequences_scores.tolist()]
    case["min_margin"] = f32(min(row_margins))
    if note is not None:
        case["note"] = note
    case["_row_margins"] = row_margins  # search only; dropped before writing
    return case


def new_tokens(case, row):
    prompt_len = len(case["input_ids"][0])
    return case["sequences"][row][prompt_len:]


BEAM4 = {
    "do_sample": False,
    "num_beams": 4,
    "max_new_tokens": 10,
    "length_penalty": 1.0,
    "early_stopping": False,
    "num_return_sequences": 2,
}
PENALISED = {"do_sample": False, "max_new_tokens": 12, "repetition_penalty": 1.3, "no_repeat_ngram_size": 2}
BEAM3_EARLY = {
    "do_sample": False,
    "num_beams": 3,
    "max_new_tokens": 10,
    "length_penalty": 2.0,
    "early_stopping": True,
    "num_return_sequences": 3,
}
BEAM3_NEVER = {
    "do_sample": False,
    "num_beams": 3,
    "max_new_tokens": 10,
    "length_penalty": 0.5,
    "early_stopping": "never",
    "num_return_sequences": 1,
}
BEAM2_PENALTIES = {
    "do_sample": False,
    "num_beams": 2,
    "max_new_tokens": 10,
    "no_repeat_ngram_size": 2,
    "repetition_penalty": 1.2,
}

# Order of the cases in generate.json.
CASE_ORDER = [
    "greedy",
    "greedy_early_eos",
    "greedy_max_length_min_length",
    "greedy_penalties_no_bad_words",
    "greedy_penalties_bad_words",
    "beam4_nrs2",
    "beam3_lp2_early_true_eos",
    "beam3_lp0.5_never_eos",
    "beam2_penalties",
    "single_greedy",
    "single_beam4_nrs2",
]


class Rejected(ValueError):
    pass


def pick_early_eos(rows):
    """The early eos token: row 0's greedy token at new-step index 2 (else 3, 1, 4) that does
    not occur earlier in row 0 and not in the other rows up to that step, so that row 0 stops
    first and the others continue.  Returns (token, index) or None."""
    for index in (2, 3, 1, 4):
        token = rows[0][index]
        if token != EOS_ID and token not in rows[0][:index] and all(token not in r[: index + 1] for r in rows[1:]):
            return token, index
    return None


def plan_cases(model, input_ids, attention_mask, single_ids, single_mask, abort_below=None):
    """Run every generate case (the most fragile first, so that a search can stop early).
    Returns (cases in CASE_ORDER, chosen tokens).  Raises Rejected when the model does not allow
    the required choices (early EOS token, bad words) or, with abort_below, when a case has a
    smaller margin."""
    cases = {}

    def run(name, ids, mask, kwargs, note=None):
        case = run_case(model, name, ids, mask, kwargs, note)
        if abort_below is not None and case["min_margin"] < abort_below:
            raise Rejected(f"{name} margin {case['min_margin']:.2g}")
        cases[name] = case
        return case

    greedy = run("greedy", input_ids, attention_mask, {"do_sample": False, "max_new_tokens": 12})
    rows = [new_tokens(greedy, r) for r in range(input_ids.shape[0])]
    picked = pick_early_eos(rows)
    if picked is None:
        raise Rejected(f"no usable early eos (rows = {rows})")
    early_eos, eos_index = picked

    run("beam4_nrs2", input_ids, attention_mask, BEAM4)
    run("beam3_lp2_early_true_eos", input_ids, attention_mask, dict(BEAM3_EARLY, eos_token_id=early_eos))
    run("beam3_lp0.5_never_eos", input_ids, attention_mask, dict(BEAM3_NEVER, eos_token_id=early_eos))
    run("beam2_penalties", input_ids, attention_mask, BEAM2_PENALTIES)
    run("single_beam4_nrs2", single_ids, single_mask, BEAM4)
    run(
        "greedy_early_eos",
        input_ids,
        attention_mask,
        {"do_sample": False, "max_new_tokens": 12, "eos_token_id": early_eos},
        note=f"eos_token_id {early_eos} is row 0's greedy token at new-step index {eos_index} (case greedy, "
        f"first occurrence): row 0 stops after {eos_index + 1} new tokens and is padded with pad_token_id; "
        f"the other rows do not produce it among their first {eos_index + 1}",
    )
    run(
        "greedy_max_length_min_length",
        input_ids,
        attention_mask,
        {"do_sample": False, "max_length": 14, "min_length": 12, "eos_token_id": early_eos},
        note="max_length and min_length count the (padded) prompt: 14 - 8 = 6 new tokens, and the "
        "eos token is banned while the sequence is shorter than 12 (the first 4 new tokens)",
    )

    # Bad words: [a] from row 0 and [b, c] from row 1 of the penalised greedy run.
    base = run("greedy_penalties_no_bad_words", input_ids, attention_mask, PENALISED)
    rows = [new_tokens(base, r) for r in range(input_ids.shape[0])]
    a = rows[0][1]
    b, c = rows[1][2], rows[1][3]
    if a in rows[1][:4] or a == EOS_ID or c == a or EOS_ID in (b, c):
        raise Rejected(f"no usable bad words (rows {rows})")
    bad = run(
        "greedy_penalties_bad_words",
        input_ids,
        attention_mask,
        dict(PENALISED, bad_words_ids=[[a], [b, c]]),
        note=f"bad_words_ids: [{a}] is row 0's 2nd new token and [{b}, {c}] row 1's 3rd/4th new tokens "
        "in case greedy_penalties_no_bad_words (same kwargs without bad_words_ids)",
    )
    new_rows = [new_tokens(bad, r) for r in range(input_ids.shape[0])]
    if new_rows[0][:1] != rows[0][:1] or new_rows[0][1] == a or new_rows[1][:3] != rows[1][:3] or new_rows[1][3] == c:
        raise Rejected("bad words did not act as planned")
    run("single_greedy", single_ids, single_mask, {"do_sample": False, "max_new_tokens": 12})
    chosen = {"early_eos_token_id": early_eos, "early_eos_step_index": eos_index, "bad_words_ids": [[a], [b, c]]}
    return [cases[name] for name in CASE_ORDER], chosen


def make_generate(model, tok):
    input_ids, attention_mask, _ = encode(tok, PROMPTS)
    single_ids, single_mask, _ = encode(tok, [PROMPTS[SINGLE_PROMPT_INDEX]])
    cases, chosen = plan_cases(model, input_ids, attention_mask, single_ids, single_mask)
    for case in cases:
        del case["_row_margins"]
    return {
        "prompts": PROMPTS,
        "single_prompt_index": SINGLE_PROMPT_INDEX,
        "pad_token_id": PAD_ID,
        "default_eos_token_id": EOS_ID,
        "min_margin_required": MIN_MARGIN,
        "min_margin": f32(min(c["min_margin"] for c in cases)),
        "generation_config": model.generation_config.to_diff_dict(),
        **chosen,
        "cases": cases,
    }


# ---------------------------------------------------------------------------------------------
# processors.json
# ---------------------------------------------------------------------------------------------

PROCESSOR_HISTORY = [
    [12, 5, 7, 12, 30, 12, 5],
    [9, 14, 2, 9, 22, 6, 9],
]


def make_processors(model):
    generator = torch.Generator().manual_seed(PROCESSOR_SEED)
    scores = torch.randn((2, 40), generator=generator) * 2.0
    input_ids = torch.tensor(PROCESSOR_HISTORY, dtype=torch.long)
    specs = [
        ("TemperatureLogitsWarper", {"temperature": 0.7}, [lp.TemperatureLogitsWarper(0.7)]),
        ("TopKLogitsWarper", {"top_k": 5}, [lp.TopKLogitsWarper(5)]),
        ("TopPLogitsWarper", {"top_p": 0.8}, [lp.TopPLogitsWarper(0.8)]),
        (
            "TopPLogitsWarper",
            {"top_p": 0.95, "min_tokens_to_keep": 1},
            [lp.TopPLogitsWarper(0.95, min_tokens_to_keep=1)],
        ),
        (
            "TopPLogitsWarper",
            {"top_p": 0.3, "min_tokens_to_keep": 3},
            [lp.TopPLogitsWarper(0.3, min_tokens_to_keep=3)],
        ),
        (
            "TopKLogitsWarper+TopPLogitsWarper",
            {"top_k": 5, "top_p": 0.9},
            [lp.TopKLogitsWarper(5), lp.TopPLogitsWarper(0.9)],
        ),
        (
            "TemperatureLogitsWarper+TopKLogitsWarper+TopPLogitsWarper",
            {"temperature": 0.7, "top_k": 10, "top_p": 0.9},
            [lp.TemperatureLogitsWarper(0.7), lp.TopKLogitsWarper(10), lp.TopPLogitsWarper(0.9)],
        ),
        ("RepetitionPenaltyLogitsProcessor", {"penalty": 1.5}, [lp.RepetitionPenaltyLogitsProcessor(1.5)]),
        ("NoRepeatNGramLogitsProcessor", {"ngram_size": 2}, [lp.NoRepeatNGramLogitsProcessor(2)]),
        ("NoRepeatNGramLogitsProcessor", {"ngram_size": 3}, [lp.NoRepeatNGramLogitsProcessor(3)]),
        (
            "NoBadWordsLogitsProcessor",
            {"bad_words_ids": [[3], [5, 7]], "eos_token_id": None},
            [lp.NoBadWordsLogitsProcessor([[3], [5, 7]], eos_token_id=None)],
        ),
        (
            "MinLengthLogitsProcessor",
            {"min_length": 10, "eos_token_id": 4},
            [lp.MinLengthLogitsProcessor(10, eos_token_id=4)],
        ),
        (
            "MinLengthLogitsProcessor",
            {"min_length": 7, "eos_token_id": 4},
            [lp.MinLengthLogitsProcessor(7, eos_token_id=4)],
        ),
        (
            "MinNewTokensLengthLogitsProcessor",
            {"prompt_length_to_skip": 3, "min_new_tokens": 5, "eos_token_id": 4},
            [lp.MinNewTokensLengthLogitsProcessor(3, 5, eos_token_id=4)],
        ),
        (
            "MinNewTokensLengthLogitsProcessor",
            {"prompt_length_to_skip": 3, "min_new_tokens": 4, "eos_token_id": 4},
            [lp.MinNewTokensLengthLogitsProcessor(3, 4, eos_token_id=4)],
        ),
    ]
    cases = []
    for name, params, processors in specs:
        out = scores.clone()
        for processor in processors:
            out = processor(input_ids, out)
        cases.append({"name": name, "params": params, "scores": tensor_json(out)})

    # The processor list generate builds for a sampling config.
    config = GenerationConfig(
        do_sample=True,
        temperature=0.7,
        top_k=50,
        top_p=0.95,
        repetition_penalty=1.2,
        no_repeat_ngram_size=2,
        min_length=5,
        eos_token_id=EOS_ID,
        pad_token_id=PAD_ID,
    )
    model._prepare_special_tokens(config, kwargs_has_attention_mask=True, device="cpu")
    built = model._get_logits_processor(
        generation_config=config,
        input_ids_seq_length=input_ids.shape[1],
        encoder_input_ids=input_ids,
        prefix_allowed_tokens_fn=None,
        logits_processor=lp.LogitsProcessorList(),
        device="cpu",
        model_kwargs={"attention_mask": torch.ones_like(input_ids)},
    )
    order = [type(p).__name__ for p in built]
    return {
        "scores": tensor_json(scores),
        "input_ids": PROCESSOR_HISTORY,
        "cases": cases,
        "generate_processor_order": {
            "generation_config": {
                "do_sample": True,
                "temperature": 0.7,
                "top_k": 50,
                "top_p": 0.95,
                "repetition_penalty": 1.2,
                "no_repeat_ngram_size": 2,
                "min_length": 5,
                "eos_token_id": EOS_ID,
            },
            "processors": order,
        },
    }


# ---------------------------------------------------------------------------------------------
# Seed search
# ---------------------------------------------------------------------------------------------


NOUNS = (
    "dog cat house river king queen city tree book door window garden road ship bird horse apple "
    "water fire light night morning car train boat forest mountain island village market church school "
    "letter music story song dream heart hand friend child father mother sister brother doctor teacher "
    "soldier farmer bread cheese coffee tea wine milk chair table bed lamp clock key box bag coat hat "
    "shoe ring stone sand snow rain wind storm cloud star moon sun sky sea lake field farm bridge tower "
    "castle palace prison hospital library museum station airport office factory kitchen room wall floor "
    "roof paper pen phone computer camera radio picture film game ball dance party wedding war peace "
    "money gold silver iron glass wood oil gas salt sugar rice meat fish egg fruit flower grass leaf "
    "wolf bear lion tiger mouse snake duck cow pig sheep goat chicken dragon ghost witch wizard knight"
).split()


TEMPLATES = {
    2: ["The {}", "A {}", "My {}", "Our {}", "Your {}", "His {}", "Her {}", "This {}", "That {}", "Every {}"],
    5: [
        "The {} sat on the",
        "I saw a {} in",
        "She gave the {} to",
        "We found the {} near",
        "He painted the {} with",
        "They sold the {} for",
        "You left the {} by",
        "My uncle lost his {}",
    ],
    8: [
        "In the beginning there was only {} and",
        "Once upon a time there was a {}",
        "Every morning the old man fed his {}",
        "Nobody in the village had ever seen a {}",
        "After the long winter we finally found the {}",
        "The children laughed when they saw the {}",
        "Last night I dreamed about a giant {}",
        "My grandmother always kept a small {}",
        "The king ordered his men to find the {}",
        "At the end of the road stood a {}",
    ],
}


def candidate_prompts(tok, length):
    """English prompts of exactly `length` GPT-2 tokens, from a few fixed templates."""
    out = []
    for template in TEMPLATES[length]:
        for noun in NOUNS:
            text = template.format(noun)
            if len(tok(text)["input_ids"]) == length and text not in out:
                out.append(text)
    return out


def row_cases(length, early_eos, bad_words):
    """The generate cases as they act on one row of prompt length `length` run alone (so
    max_length / min_length, which count the padded prompt of 8, are shifted).  Cases that
    need the early eos token or the bad words are left out while those are unknown."""
    shift = 8 - length
    cases = {
        "beam4_nrs2": BEAM4,
        "greedy": {"do_sample": False, "max_new_tokens": 12},
        "beam2_penalties": BEAM2_PENALTIES,
        "greedy_penalties_no_bad_words": PENALISED,
    }
    if early_eos is not None:
        cases.update({
            "beam3_lp2_early_true_eos": dict(BEAM3_EARLY, eos_token_id=early_eos),
            "beam3_lp0.5_never_eos": dict(BEAM3_NEVER, eos_token_id=early_eos),
            "greedy_early_eos": {"do_sample": False, "max_new_tokens": 12, "eos_token_id": early_eos},
            "greedy_max_length_min_length": {
                "do_sample": False, "max_length": 14 - shift, "min_length": 12 - shift, "eos_token_id": early_eos,
            },
        })
    if bad_words is not None:
        cases["greedy_penalties_bad_words"] = dict(PENALISED, bad_words_ids=bad_words)
    return cases


def eval_rows(model, tok, prompts, cases, chunk=32):
    """Run `cases` on equal-length prompts (no padding), dropping a prompt at its first case
    with a margin < MIN_MARGIN.  Returns the survivors: {"prompt", "new": {case: new tokens}}."""
    alive = [{"prompt": p, "new": {}} for p in prompts]
    for name, kwargs in cases.items():
        survivors = []
        for start in range(0, len(alive), chunk):
            batch = alive[start : start + chunk]
            enc = tok([r["prompt"] for r in batch], return_tensors="pt")
            case = run_case(model, name, enc["input_ids"], enc["attention_mask"], kwargs, light=True)
            nrs = kwargs.get("num_return_sequences", 1)
            for i, (r, margin) in enumerate(zip(batch, case["_row_margins"])):
                if margin >= MIN_MARGIN:
                    r["new"][name] = case["sequences"][i * nrs][enc["input_ids"].shape[1] :]
                    survivors.append(r)
        alive = survivors
        if not alive:
            break
    return alive


def search_prompts(model, tok, limit):
    """Pick one prompt per slot (2, 5, 8 tokens) so that every case has margins >= MIN_MARGIN.

    Rows of a left-padded batch do not interact in generate (real tokens get position ids from
    0 and give padding exactly zero attention), so each slot is searched on its own, batched
    over candidates of equal length: row 0 fixes the early eos token and [a], row 1 [b, c];
    the assembled batch is then checked for real with plan_cases."""
    pools = {n: candidate_prompts(tok, n)[:limit] for n in (2, 5, 8)}
    free = {n: eval_rows(model, tok, pools[n], row_cases(n, None, None)) for n in (2, 5, 8)}
    print("pass the eos-free cases: " + ", ".join(f"{len(free[n])}/{len(pools[n])}" for n in (2, 5, 8)), flush=True)
    for r0 in free[2]:
        greedy, penalised = r0["new"]["greedy"], r0["new"]["greedy_penalties_no_bad_words"]
        picked = pick_early_eos([greedy])
        a = penalised[1]
        if picked is None or a == EOS_ID:
            continue
        early_eos, eos_index = picked
        cases = {k: v for k, v in row_cases(2, early_eos, None).items() if k not in r0["new"]}
        if not eval_rows(model, tok, [r0["prompt"]], cases):
            continue
        ok1 = [
            r for r in free[5]
            if early_eos not in r["new"]["greedy"][: eos_index + 1]
            and a not in r["new"]["greedy_penalties_no_bad_words"][:4]
        ]
        cases = {k: v for k, v in row_cases(5, early_eos, None).items() if k not in row_cases(5, None, None)}
        ok1 = eval_rows(model, tok, [r["prompt"] for r in ok1], cases) if ok1 else []
        print(f"row 0 {r0['prompt']!r}: early eos {early_eos}, a {a}; {len(ok1)} row 1 candidates", flush=True)
        for r1 in ok1:
            p1 = next(r for r in free[5] if r["prompt"] == r1["prompt"])["new"]["greedy_penalties_no_bad_words"]
            b, c = p1[2], p1[3]
            if c == a or EOS_ID in (b, c):
                continue
            bad = [[a], [b, c]]
            bad_case = {"greedy_penalties_bad_words": dict(PENALISED, bad_words_ids=bad)}
            n0 = eval_rows(model, tok, [r0["prompt"]], bad_case)
            n1 = eval_rows(model, tok, [r1["prompt"]], bad_case)
            if not n0 or not n1:
                continue
            n0, n1 = n0[0]["new"]["greedy_penalties_bad_words"], n1[0]["new"]["greedy_penalties_bad_words"]
            if n0[:1] != penalised[:1] or n0[1] == a or n1[:3] != p1[:3] or n1[3] == c:
                continue
            ok2 = [r["prompt"] for r in free[8] if early_eos not in r["new"]["greedy"][: eos_index + 1]]
            cases = {k: v for k, v in row_cases(8, early_eos, bad).items() if k not in row_cases(8, None, None)}
            ok2 = eval_rows(model, tok, ok2, cases) if ok2 else []
            print(f"  row 1 {r1['prompt']!r}: bad words {bad}; {len(ok2)} row 2 candidates", flush=True)
            for r2 in ok2:
                prompts = [r0["prompt"], r1["prompt"], r2["prompt"]]
                ids, mask, _ = encode(tok, prompts)
                single_ids, single_mask, _ = encode(tok, prompts[:1])
                try:
                    cases, chosen = plan_cases(model, ids, mask, single_ids, single_mask, MIN_MARGIN)
                except Rejected as e:
                    print(f"    {prompts}: rejected ({e})", flush=True)
                    continue
                margin = min(c["min_margin"] for c in cases)
                print(f"FOUND {prompts} {chosen} min margin {margin:.4g}", flush=True)
                return prompts
    return None


# ---------------------------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------------------------

README_MARKER = "## models/gpt2/ and generation/"

README_SECTION = """\
## models/gpt2/ and generation/

Generated by `python scripts/make_gpt2_fixtures.py --out fixtures` (it only reads
`tokenizers/gpt2/`; it replaces this README section, so run it after `scripts/make_fixtures.py`,
which rewrites the README).  CPU, float32, eval mode, eager attention, transformers
{transformers}.

### models/gpt2/

A tiny random `GPT2LMHeadModel` saved with `save_pretrained`: `config.json`,
`generation_config.json`, `model.safetensors` (the tied `transformer.wte.weight` is stored once,
no `lm_head.weight`).  Config: vocab 50257, n_positions 64, n_embd 16, n_layer 2, n_head 4,
n_inner null (= 64), `gelu_new`, eps 1e-5, bos = eos = 50256, no pad, tied embeddings.  Every
parameter (weights, biases, LayerNorm weights and biases; wte = lm_head) is N(0, 0.2) from a
seeded generator.  Tokenizer: the real GPT-2 BPE built from `tokenizers/gpt2/` with pad = eos
and saved by transformers (`tokenizer.json`, `tokenizer_config.json`; transformers 5 writes no
`special_tokens_map.json`), plus byte copies of `vocab.json` / `merges.txt`.

`reference.json` (computed on the model reloaded from disk; tensors are
`{{"shape", "data"}}` with shortest-round-trip float32 decimals):

- `prompts`: three prompts of 2, 5 and 8 tokens.
- `batch`: `padding_side` ("left"), `pad_token_id` (50256), `input_ids` / `attention_mask`
  `[3, 8]`, `position_ids` = `cumsum(mask) - 1` with padded slots set to **0** (what
  `generate` computes in this transformers version; 4.x used 1; only padded positions depend
  on it) and `labels` (ids, -100 at padding).  `input_ids`, `attention_mask` and
  `position_ids` were passed to the forward; without explicit position ids the left-padded
  rows would get positions 0..7 and different logits.
- `logits_slice` `[3, 8, 512]` (vocab ids 0..511), `logits_row_sums` / `logits_row_sq_sums`
  `[3, 8]` (sum / sum of squares over the full vocab), `last_logits` `[3, 50257]` (last
  position, a real token in every row).  At *padded* positions HF's eager attention sees a
  fully masked query row (additive mask = float32 min everywhere), so softmax is uniform over
  all 8 keys, future ones included; compare real positions only unless you reproduce that.
- `loss`: HF's causal-LM loss for `labels` (shifted inside the model: position t predicts
  label t + 1; mean over 2 + 5 + 7 targets).  Note this includes predicting each padded row's
  first real token from the padded position before it, so it depends on the padded-position
  logits described above.
- `grads`: gradients of that loss for `transformer.h.0.attn.c_attn.{{weight,bias}}`,
  `transformer.h.1.mlp.c_proj.weight`, `transformer.h.1.ln_2.weight`, `transformer.ln_f.bias`
  (HF names, Conv1D weights `[in, out]`) and `transformer.wpe.weight[:16]` (rows 0..15 only).
  `wte_grad_rows`: `ids` (sorted unique ids of `input_ids`, 50256 included) and `rows` `[n, 16]`,
  those rows of the gradient of the tied wte / lm_head table (embedding + output projection
  contributions); `wte_grad_abs_sum`: sum of |grad| over the whole table.
- `real_targets_only`: the same (`labels`, `loss`, `grads`, `wte_grad_rows`,
  `wte_grad_abs_sum`) with those first-real-token targets also set to -100 (mean over 1 + 4 + 7
  targets), so only logits at real positions enter -- independent of padded-position behaviour.

`scripts/check_hf_gpt2.py DIR [REFERENCE_JSON] [--skip-tokenizer]` loads DIR (e.g. a directory
the Rust side saved) with `GPT2LMHeadModel.from_pretrained` and `AutoTokenizer`, checks that the
tokenizer reproduces `batch.input_ids`, runs the batch and fails if `logits_slice` or
`last_logits` differ by more than 1e-4.

### generation/generate.json

`model.generate` on `models/gpt2` (reloaded) with the left-padded `batch` above.  Top level:
`prompts`, `single_prompt_index`, `pad_token_id`, `default_eos_token_id` (50256, from the model
config), `generation_config` (the model's non-default generation config), `early_eos_token_id`
and `early_eos_step_index`, `bad_words_ids`, `min_margin_required` (1e-3), `min_margin` (over
all cases) and `cases`, each `{{"name", "kwargs", "input_ids", "attention_mask", "sequences",
["sequences_scores"], "min_margin", ["note"]}}`.  `kwargs` are exactly the keyword arguments
passed besides `input_ids` / `attention_mask`; every case passes `pad_token_id` 50256 and
`return_dict_in_generate` / `output_scores` (which do not change the result).  `sequences` are
the full returned rows (prompt + new tokens, rows that finished early padded with
`pad_token_id`, all cropped to the longest); beam cases return `batch * num_return_sequences`
rows, best first per prompt, and `sequences_scores` = sum of the chosen tokens' processed
log-probs / new_len ** length_penalty, where new_len counts the generated tokens including the
final eos but not the prompt.

Cases, in order: `greedy` (12 new tokens); `greedy_early_eos` (eos = `early_eos_token_id`, row
0's greedy token at `early_eos_step_index`, which no row produces earlier);
`greedy_max_length_min_length` (`max_length` 14 and `min_length` 12, both counting the padded
prompt of 8); `greedy_penalties_no_bad_words` / `greedy_penalties_bad_words` (repetition
penalty 1.3, no-repeat 2-grams, then `bad_words_ids` `[[a], [b, c]]` taken from the first one's
rows 0 and 1 so that both bans change the output); `beam4_nrs2`, `beam3_lp2_early_true_eos`,
`beam3_lp0.5_never_eos` (eos = `early_eos_token_id`), `beam2_penalties`; and `single_greedy` /
`single_beam4_nrs2` on prompt `single_prompt_index` alone (no padding).  Some cases carry a
`note`.

transformers {transformers} semantics these outputs encode:

- `max_length` / `min_length` count the whole (left-padded) input row, the same for every row;
  `max_new_tokens` sets `max_length` = padded prompt length + max_new_tokens.
- Greedy applies the processors to the raw logits; beam search applies them to
  `log_softmax(logits)` (so repetition penalty multiplies negative log-probs) and adds the beam's
  running score.  `repetition_penalty` ignores each row's left padding (it is built with
  `prompt_ignore_length` = the row's pad count) but counts the rest of the prompt;
  no-repeat n-grams and multi-token bad words look at the whole row, prompt included.
- Beam search keeps the top 2K candidates (K = num_beams, one eos token); a candidate ending in
  eos is finalised only if it is among the top K of them, the running beams are the best K
  candidates not ending in eos, and a finalised score is sum / new_len ** length_penalty.
- A prompt's search ends when K hypotheses are finished and: `early_stopping=True` -- at once;
  `False` -- when best running score / (tokens generated so far) ** length_penalty is no longer
  above the worst kept finished score; `"never"` -- the same, but for length_penalty > 0 with
  `max_new_tokens` in place of the generated length (an optimistic bound; for
  length_penalty <= 0 it equals `False`).  The heuristic is only consulted once K hypotheses
  are finished, and a prompt whose search ended keeps its hypotheses while others continue.

Margins.  Random weights make near-ties likely, so every decision was measured and must be
>= 1e-3: greedy -- best minus second-best processed score at every step of every unfinished
row; beam -- K-th vs (K+1)-th best non-eos candidate (which beams continue), K-th vs (K+1)-th
candidate when one of them ends a hypothesis (only the top K of a step may finish), the gaps
between kept finished hypotheses (membership and returned order) and the early-stop heuristic
comparison.  `min_margin` is the smallest of these per case.  The prompts were searched for
this (`--search SEED`, see the script).

### generation/processors.json

transformers' own `generation.logits_process` classes applied to `scores` `[2, 40]`
(N(0, 2), seeded) with history `input_ids` `[2, 7]`.  `cases`: `{{"name", "params",
"scores"}}`; a `+` in the name means the processors were chained in that order.  **-inf is
written as null** in `data` (JSON has no infinity).  `generate_processor_order`: the classes
`generate` builds, in order, for the given sampling `generation_config`.
"""


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="the fixtures directory")
    parser.add_argument(
        "--search", type=int, metavar="SEED", help="only search prompts (for this weight seed) and print them"
    )
    parser.add_argument("--limit", type=int, default=10**6, help="--search: candidates per prompt slot")
    args = parser.parse_args()
    out_dir = os.path.abspath(args.out)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()

    tok = build_tokenizer(os.path.join(out_dir, "tokenizers", "gpt2"))
    if args.search is not None:
        if search_prompts(build_model(args.search), tok, args.limit) is None:
            sys.exit("no prompts found")
        return
    lengths = [len(tok(p)["input_ids"]) for p in PROMPTS]
    assert lengths == [2, 5, 8], lengths

    model_dir = os.path.join(out_dir, "models", "gpt2")
    if os.path.isdir(model_dir):
        shutil.rmtree(model_dir)
    os.makedirs(model_dir)
    build_model(SEED).save_pretrained(model_dir)
    tok.save_pretrained(model_dir)
    # transformers 5 only writes tokenizer.json + tokenizer_config.json; add the classic pair
    # (byte copies of the committed real GPT-2 files the tokenizer was built from).
    for name in ("vocab.json", "merges.txt"):
        if not os.path.exists(os.path.join(model_dir, name)):
            shutil.copyfile(os.path.join(out_dir, "tokenizers", "gpt2", name), os.path.join(model_dir, name))
    model = load_model(model_dir)
    reloaded_tok = GPT2TokenizerFast.from_pretrained(model_dir)
    reloaded_tok.padding_side = "left"
    input_ids, attention_mask, position_ids = encode(reloaded_tok, PROMPTS)
    assert input_ids.tolist() == encode(tok, PROMPTS)[0].tolist()

    reference = make_reference(model, input_ids, attention_mask, position_ids)
    write_json(os.path.join(model_dir, "reference.json"), reference)
    print(f"models/gpt2: loss {reference['loss']}")

    generate = make_generate(model, reloaded_tok)
    for case in generate["cases"]:
        print(f"  {case['name']}: min margin {case['min_margin']:.4g}")
    if generate["min_margin"] < MIN_MARGIN:
        sys.exit(f"min margin {generate['min_margin']} < {MIN_MARGIN}: pick another SEED with --search")
    write_json(os.path.join(out_dir, "generation", "generate.json"), generate)
    print(f"generation/generate.json: early eos {generate['early_eos_token_id']}, "
          f"bad words {generate['bad_words_ids']}, min margin {generate['min_margin']:.4g}")

    processors = make_processors(model)
    write_json(os.path.join(out_dir, "generation", "processors.json"), processors)
    print(f"generation/processors.json: order {processors['generate_processor_order']['processors']}")

    replace_readme_section(
        os.path.join(out_dir, "README.md"), README_MARKER, README_SECTION.format(transformers=transformers.__version__)
    )
    print("done")


if __name__ == "__main__":
    main()
