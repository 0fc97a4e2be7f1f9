#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for extractive question-answering heads.

Usage:
    python scripts/make_qa_fixtures.py --out fixtures/qa [--models fixtures/models]

Needs the base fixtures written by scripts/make_fixtures.py (`fixtures/models/<arch>/`).
Nothing is downloaded; from_pretrained is only called on local directories.

For each arch in bert, roberta, distilbert, electra, xlm-roberta, camembert, albert this writes
`<out>/<arch>/`: an `AutoModelForQuestionAnswering` model (num_labels 2: start / end) whose
encoder is exactly the base fixture's encoder and whose `qa_outputs` Linear is freshly drawn
(std 0.2 weights, non-zero biases, seeded), saved with save_pretrained (safetensors) plus the
base tokenizer files, and a `reference.json`:

    {"model_type", "architecture", "head_params": ["qa_outputs.weight", "qa_outputs.bias"],
     "batch": {"questions": [3 strings], "contexts": [3 strings],
               "answers": [[start_char, end_char] | null per row],
               "input_ids", "attention_mask", "token_type_ids" | null,
               "offset_mapping": [[[start, end] per token] per row],
               "sequence_ids": [[0 | 1 | null per token] per row],
               "start_positions": [...], "end_positions": [...],
               "start_logits": {"shape": [3, L], "data"}, "end_logits": {"shape": [3, L], "data"},
               "loss"},
     "windows": {"question", "context", "max_length": 48, "stride": 12,
                 "answer": [start_char, end_char], "answer_text",
                 "input_ids": [[...] per window], "offset_mapping": [[[s, e], ...] per window],
                 "sequence_ids": [[...] per window],
                 "start_positions": [...], "end_positions": [...]},
     "grads": {"loss_definition", "params": {name: gradient}}}

Tokenisation.  The batch is `tok(questions, contexts, padding=True, truncation="only_second",
max_length=64, return_offsets_mapping=True)`; the windows are `tok(question, context,
truncation="only_second", max_length=48, stride=12, return_overflowing_tokens=True,
return_offsets_mapping=True)` (no padding; the last window is shorter).  Every tokenizer is
loaded with its default kwargs -- in particular the byte-level RoBERTa tokenizer gets no
`add_prefix_space` (not needed for string pairs), so neither the question nor the context
starts with a `Ġ` token.  Offsets are *character* (Unicode code point) offsets into the
question (sequence id 0) or the context (sequence id 1), exactly as the HF fast tokenizer
returns them; special and padding tokens have (0, 0) and sequence id null.

Answer positions.  An answer is a character span [start_char, end_char) of the context.  Among
the context tokens (sequence id 1) whose offsets are non-empty (end > start), the start
position is the first token with end > start_char and the end position the last token with
start < end_char, i.e. the first and last tokens overlapping the answer.  If the window's
context does not contain the whole answer (or there is no answer: an impossible question),
both positions are the CLS index (0).  Note this "first / last overlapping token" rule
differs from the HF run_qa.py example only where several tokens share a character (byte-level
pieces of one multi-byte character; a Metaspace `▁` piece whose offsets are those of the
following character), where run_qa picks the last such token for the start and the first for
the end.

The loss is HF's: (CE(start_logits, start_positions) + CE(end_logits, end_positions)) / 2,
each cross-entropy a mean over the batch; eval mode, eager attention, float32.
"""

import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402
import make_classification_fixtures as cf  # noqa: E402

import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from transformers import AutoConfig, AutoModelForQuestionAnswering, AutoTokenizer  # noqa: E402

HEAD_SEED = 7411  # distinct from the other fixture scripts' seeds
MAX_LEN = mf.MAX_LEN  # 64
WINDOW_MAX_LEN = 48
WINDOW_STRIDE = 12
ARCHS = ["bert", "roberta", "distilbert", "electra", "xlm-roberta", "camembert", "albert"]

# (question, context, answer text or None).  Accents and multi-byte UTF-8 before the answer
# (so byte and character offsets differ), CJK and a non-BMP emoji before the second answer,
# and an impossible question (answer at the CLS token).
EXAMPLES = [
    ("Where does Zoë live?", "Zoë Müller lives in São Paulo, near the Ibirapuera park.", "São Paulo"),
    ("Which tower stands in 東京?", "東京 🗼: the Tokyo Tower stands near Shiba park, Japan.", "Tokyo Tower"),
    ("Who painted the lighthouse?", "It was built in 1887 and still guides the fishing boats home.", None),
]

WINDOW_QUESTION = "Who repaired the lamp?"
WINDOW_CONTEXT = (
    "The old lighthouse stands on a rocky cape north of the harbour. "
    "For many years the keeper was Zoë Müller, who had come from São Paulo with her brother. "
    "In the winter of 1887 a storm cracked the lens, and the lamp was repaired by Joaquín Peña, "
    "a glassmaker from the village. He worked for three days while the wind shook the tower. "
    "Today visitors climb the hill and read the names of the keepers."
)
WINDOW_ANSWER = "Joaquín Peña"

ENCODER_GRADS = {arch: [n for n in names if "pooler" not in n] for arch, names in cf.ENCODER_GRADS.items()}
LOSS_DEFINITION = (
    "HF question-answering loss: (cross-entropy(start_logits, start_positions) + "
    "cross-entropy(end_logits, end_positions)) / 2, each a mean over the batch, eval mode"
)
SIZE_LIMIT = int(2.5 * 1024 * 1024)


def char_span(context, answer):
    if answer is None:
        return None
    start = context.index(answer)
    return [start, start + len(answer)]


def answer_positions(offsets, sequence_ids, span, cls_index=0):
    """Token start / end positions of a character span (see the module docstring)."""
    if span is None:
        return cls_index, cls_index
    start_char, end_char = span
    ctx = [i for i, s in enumerate(sequence_ids) if s == 1 and offsets[i][1] > offsets[i][0]]
    if not ctx or offsets[ctx[0]][0] > start_char or offsets[ctx[-1]][1] < end_char:
        return cls_index, cls_index
    start = next(i for i in ctx if offsets[i][1] > start_char)
    end = [i for i in ctx if offsets[i][0] < end_char][-1]
    return start, end


def encode_batch(tok):
    questions = [q for q, _, _ in EXAMPLES]
    contexts = [c for _, c, _ in EXAMPLES]
    enc = tok(
        questions,
        contexts,
        padding=True,
        truncation="only_second",
        max_length=MAX_LEN,
        return_offsets_mapping=True,
        return_tensors="pt",
    )
    offsets = [[list(o) for o in row] for row in enc["offset_mapping"].tolist()]
    sequence_ids = [enc.sequence_ids(i) for i in range(len(EXAMPLES))]
    spans = [char_span(c, a) for _, c, a in EXAMPLES]
    starts, ends = [], []
    for i, span in enumerate(spans):
        s, e = answer_positions(offsets[i], sequence_ids[i], span)
        if span is not None:
            assert 0 < s <= e, f"answer {EXAMPLES[i][2]!r} not found in row {i}"
            recovered = contexts[i][offsets[i][s][0] : offsets[i][e][1]]
            assert recovered == EXAMPLES[i][2], f"row {i}: offsets give {recovered!r}"
        starts.append(s)
        ends.append(e)
    # Nothing of a context may be truncated away.
    for i, c in enumerate(contexts):
        last = max(o[1] for o, sid in zip(offsets[i], sequence_ids[i]) if sid == 1)
        assert last == len(c), f"row {i}: context truncated at {MAX_LEN} tokens"
    return enc, offsets, sequence_ids, spans, starts, ends


def encode_windows(tok):
    enc = tok(
        WINDOW_QUESTION,
        WINDOW_CONTEXT,
        truncation="only_second",
        max_length=WINDOW_MAX_LEN,
        stride=WINDOW_STRIDE,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    n = len(enc["input_ids"])
    span = char_span(WINDOW_CONTEXT, WINDOW_ANSWER)
    offsets = [[list(o) for o in enc["offset_mapping"][i]] for i in range(n)]
    sequence_ids = [enc.sequence_ids(i) for i in range(n)]
    starts, ends = [], []
    for i in range(n):
        s, e = answer_positions(offsets[i], sequence_ids[i], span)
        if s:
            assert WINDOW_CONTEXT[offsets[i][s][0] : offsets[i][e][1]] == WINDOW_ANSWER
        starts.append(s)
        ends.append(e)
    assert any(starts), "the window answer is in no window"
    assert all(len(ids) <= WINDOW_MAX_LEN for ids in enc["input_ids"])
    record = {
        "question": WINDOW_QUESTION,
        "context": WINDOW_CONTEXT,
        "max_length": WINDOW_MAX_LEN,
        "stride": WINDOW_STRIDE,
        "answer": span,
        "answer_text": WINDOW_ANSWER,
        "input_ids": [list(ids) for ids in enc["input_ids"]],
        "offset_mapping": offsets,
        "sequence_ids": sequence_ids,
        "start_positions": starts,
        "end_positions": ends,
    }
    return record


def load_model(directory):
    model = AutoModelForQuestionAnswering.from_pretrained(directory, attn_implementation="eager", dtype=torch.float32)
    with torch.no_grad():
        for tensor in list(model.parameters()) + list(model.buffers()):
            tensor.data = tensor.data.clone()
    model.eval()
    return model


def build(out_dir, models_dir, index, arch):
    base_dir = os.path.join(models_dir, arch)
    directory = os.path.join(out_dir, arch)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)

    config = AutoConfig.from_pretrained(base_dir)
    assert config.num_labels == 2
    torch.manual_seed(HEAD_SEED + index)
    model = AutoModelForQuestionAnswering.from_config(config, attn_implementation="eager", dtype=torch.float32)
    state = load_file(os.path.join(base_dir, "model.safetensors"))
    result = model.base_model.load_state_dict(state, strict=False)
    assert not result.missing_keys, f"{arch}: encoder keys missing: {result.missing_keys}"
    assert all(k.startswith("pooler") for k in result.unexpected_keys), f"{arch}: unexpected {result.unexpected_keys}"
    generator = torch.Generator().manual_seed(HEAD_SEED + index)
    params = dict(model.named_parameters())
    head = cf.head_param_names(model)
    assert head == ["qa_outputs.weight", "qa_outputs.bias"], f"{arch}: head params {head}"
    with torch.no_grad():
        for name in head:
            params[name].copy_(torch.randn(params[name].shape, generator=generator) * cf.HEAD_STD)
    model.save_pretrained(directory, safe_serialization=True)
    for fname in cf.TOKENIZER_FILES:
        if os.path.isfile(os.path.join(base_dir, fname)):
            shutil.copy(os.path.join(base_dir, fname), os.path.join(directory, fname))

    tok = AutoTokenizer.from_pretrained(directory)
    model = load_model(directory)
    enc, offsets, sequence_ids, spans, starts, ends = encode_batch(tok)
    start_t = torch.tensor(starts, dtype=torch.long)
    end_t = torch.tensor(ends, dtype=torch.long)
    with torch.no_grad():
        out = model(**cf.model_inputs(enc), start_positions=start_t, end_positions=end_t)
    ce = torch.nn.functional.cross_entropy
    manual = (ce(out.start_logits, start_t) + ce(out.end_logits, end_t)) / 2
    assert torch.allclose(out.loss, manual, rtol=1e-6, atol=1e-7), f"{arch}: HF loss != manual loss"

    model.zero_grad(set_to_none=True)
    model(**cf.model_inputs(enc), start_positions=start_t, end_positions=end_t).loss.backward()
    params = dict(model.named_parameters())
    prefix = model.base_model_prefix + "."
    grads = {n: mf.tensor_json(params[n].grad) for n in head + [prefix + n for n in ENCODER_GRADS[arch]]}

    windows = encode_windows(tok)
    reference = {
        "model_type": model.config.model_type,
        "architecture": model.config.architectures[0],
        "head_params": head,
        "batch": {
            "questions": [q for q, _, _ in EXAMPLES],
            "contexts": [c for _, c, _ in EXAMPLES],
            "answers": spans,
            **cf.ids_record(enc),
            "offset_mapping": offsets,
            "sequence_ids": sequence_ids,
            "start_positions": starts,
            "end_positions": ends,
            "start_logits": mf.tensor_json(out.start_logits),
            "end_logits": mf.tensor_json(out.end_logits),
            "loss": cf.f32(out.loss.item()),
        },
        "windows": windows,
        "grads": {"loss_definition": LOSS_DEFINITION, "params": grads},
    }
    mf.write_json(os.path.join(directory, "reference.json"), reference)
    in_windows = [i for i, s in enumerate(windows["start_positions"]) if s]
    print(
        f"  built {arch:12s} {reference['architecture']}, {enc['input_ids'].shape[1]} tokens, "
        f"positions {list(zip(starts, ends))}, loss {reference['batch']['loss']}, "
        f"{len(windows['input_ids'])} windows (lengths {[len(w) for w in windows['input_ids']]}, answer in {in_windows})"
    )


def verify(out_dir):
    total = 0
    for arch in ARCHS:
        directory = os.path.join(out_dir, arch)
        with open(os.path.join(directory, "reference.json"), encoding="utf-8") as f:
            ref = json.load(f)
        model = load_model(directory)
        assert cf.head_param_names(model) == ref["head_params"]
        tok = AutoTokenizer.from_pretrained(directory)
        enc, offsets, sequence_ids, _, starts, ends = encode_batch(tok)
        for key, value in cf.ids_record(enc).items():
            assert value == ref["batch"][key], f"{arch}: {key} differs after reload"
        assert offsets == ref["batch"]["offset_mapping"] and sequence_ids == ref["batch"]["sequence_ids"]
        assert starts == ref["batch"]["start_positions"] and ends == ref["batch"]["end_positions"]
        with torch.no_grad():
            out = model(
                **cf.model_inputs(enc),
                start_positions=torch.tensor(starts, dtype=torch.long),
                end_positions=torch.tensor(ends, dtype=torch.long),
            )
        for key in ("start_logits", "end_logits"):
            diff = (getattr(out, key) - mf.tensor_from_json(ref["batch"][key])).abs().max().item()
            assert diff == 0.0, f"{arch}: {key} differ by {diff} after reload"
        assert cf.f32(out.loss.item()) == ref["batch"]["loss"], f"{arch}: loss differs after reload"
        assert encode_windows(tok) == ref["windows"], f"{arch}: windows differ after reload"
        total += sum(os.path.getsize(os.path.join(directory, n)) for n in os.listdir(directory))
    print(f"  verified; total {total / 1024:.0f} KiB")
    assert total < SIZE_LIMIT, f"fixtures/qa is {total} bytes, over the {SIZE_LIMIT} byte budget"


README_MARKER = "## qa/<arch>/"

README_SECTION = """\
## qa/<arch>/

Generated by `scripts/make_qa_fixtures.py --out fixtures/qa` (after `scripts/make_fixtures.py`
and `scripts/make_classification_fixtures.py`).  For each base arch an
`AutoModelForQuestionAnswering` (start / end logits) whose encoder is exactly `models/<arch>/`
and whose `qa_outputs` is freshly drawn (N(0, 0.2), seeded), plus the base tokenizer files
(default kwargs; roberta without `add_prefix_space`).  `reference.json`: `batch` -- three
(question, context) pairs (accents, CJK and an emoji before an answer, an impossible question)
tokenised with `truncation="only_second"`, `max_length=64`, padded to the longest; ids / mask /
type ids, character `offset_mapping` and `sequence_ids` as HF returns them, the answers' char
spans and token `start_positions` / `end_positions` (first / last context token overlapping the
answer; CLS index 0 for no answer), `start_logits` / `end_logits` `[3, L]`, HF's `loss`
((CE(start) + CE(end)) / 2); `windows` -- one question and a long context split with
`max_length=48`, `stride=12`, `return_overflowing_tokens=True` (unpadded): per-window ids,
offsets, sequence ids and the answer's positions (0 where the window does not hold the whole
answer); `grads` of the batch loss for `qa_outputs.*`, the word embeddings and the layer-0 query
weight.
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--models")
    args = parser.parse_args()
    out_dir = os.path.abspath(args.out)
    models_dir = os.path.abspath(args.models or os.path.join(out_dir, os.pardir, "models"))
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    os.makedirs(out_dir, exist_ok=True)
    print(f"building QA fixtures from {models_dir}")
    for index, arch in enumerate(ARCHS):
        build(out_dir, models_dir, index, arch)
    verify(out_dir)
    mf.replace_readme_section(os.path.join(os.path.dirname(out_dir), "README.md"), README_MARKER, README_SECTION)
    print("done")


if __name__ == "__main__":
    main()
