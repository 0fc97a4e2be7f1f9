"""The `--search SEED` prompt search (see make_gpt2_fixtures.py)."""

from .common import EOS_ID, MIN_MARGIN
from .generate_cases import (
    BEAM2_PENALTIES,
    BEAM3_EARLY,
    BEAM3_NEVER,
    BEAM4,
    PENALISED,
    Rejected,
    pick_early_eos,
    plan_cases,
    run_case,
)
from .model import encode


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
