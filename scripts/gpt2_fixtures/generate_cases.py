"""The generate cases and generate.json."""

import torch

from .common import EOS_ID, MIN_MARGIN, PAD_ID, PROMPTS, SINGLE_PROMPT_INDEX, f32
from .margins import BeamMonitor, greedy_margins
from .model import encode


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
