#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for token-classification (NER) heads.

Usage:
    python scripts/make_ner_fixtures.py --out fixtures/ner [--models fixtures/models]

Needs the base fixtures written by scripts/make_fixtures.py (`fixtures/models/<arch>/`).
Nothing is downloaded; from_pretrained is only called on local directories.

For each arch in bert, roberta, distilbert, electra, xlm-roberta, camembert, albert this writes
`<out>/<arch>/`: an `AutoModelForTokenClassification` model (5 tags) whose encoder is exactly
the base fixture's encoder and whose `classifier` is freshly drawn (std 0.2 weights, non-zero
biases, seeded), saved with save_pretrained (safetensors) plus the base tokenizer files, and a
`reference.json`:

    {"model_type", "architecture", "labels": [tag names by id], "head_params",
     "batch": {"words": [[word, ...], ...], "tags": [[tag, ...], ...],
               "input_ids", "attention_mask", "token_type_ids" | null,
               "word_ids": [[word index | null per token], ...],
               "token_labels": [[tag id on a word's first sub-token, -100 elsewhere], ...],
               "logits": {"shape": [3, L, 5], "data": [...]}, "loss"},
     "grads": {"loss_definition", "params": {name: gradient}}}

Words are tokenised as transformers does for pre-split input (`is_split_into_words=True`,
`padding=True`, truncation at 64); byte-level BPE tokenizers get `add_prefix_space=True`, which
transformers requires for split words.  The loss is HF's: cross-entropy over the tokens whose
label is not -100, mean; eval mode, eager attention.
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
from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer  # noqa: E402

HEAD_SEED = 5321  # distinct from the other fixture scripts' seeds
MAX_LEN = mf.MAX_LEN
ARCHS = ["bert", "roberta", "distilbert", "electra", "xlm-roberta", "camembert", "albert"]
BYTE_LEVEL = {"roberta"}
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]

# Three sentences: accented words, a long word that splits into many sub-tokens, punctuation,
# a one-word sentence.
SENTENCES = [
    (["Alice", "Müller", "visited", "Paris", "."], ["B-PER", "I-PER", "O", "B-LOC", "O"]),
    (
        ["The", "lighthouse", "keeper", "watched", "Zanzibarian", "ships", "near", "New", "York"],
        ["O", "O", "O", "O", "O", "O", "O", "B-LOC", "I-LOC"],
    ),
    (["Bob"], ["B-PER"]),
]

ENCODER_GRADS = {arch: [n for n in names if "pooler" not in n] for arch, names in cf.ENCODER_GRADS.items()}
LOSS_DEFINITION = "HF token-classification loss (cross-entropy over labels != -100, mean), eval mode"
SIZE_LIMIT = int(2.5 * 1024 * 1024)


def tokenizer_for(directory, arch):
    kwargs = {"add_prefix_space": True} if arch in BYTE_LEVEL else {}
    return AutoTokenizer.from_pretrained(directory, **kwargs)


def encode(tok):
    words = [w for w, _ in SENTENCES]
    enc = tok(words, is_split_into_words=True, padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt")
    word_ids = [enc.word_ids(i) for i in range(len(words))]
    token_labels = []
    for i, (_, tags) in enumerate(SENTENCES):
        row, previous = [], None
        for w in word_ids[i]:
            row.append(-100 if w is None or w == previous else LABELS.index(tags[w]))
            previous = w
        token_labels.append(row)
    return enc, word_ids, token_labels


def load_model(directory):
    model = AutoModelForTokenClassification.from_pretrained(directory, attn_implementation="eager", dtype=torch.float32)
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

    config = AutoConfig.from_pretrained(
        base_dir, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)), label2id={l: i for i, l in enumerate(LABELS)}
    )
    torch.manual_seed(HEAD_SEED + index)
    model = AutoModelForTokenClassification.from_config(config, attn_implementation="eager", dtype=torch.float32)
    state = load_file(os.path.join(base_dir, "model.safetensors"))
    result = model.base_model.load_state_dict(state, strict=False)
    assert not result.missing_keys, f"{arch}: encoder keys missing: {result.missing_keys}"
    assert all(k.startswith("pooler") for k in result.unexpected_keys), f"{arch}: unexpected {result.unexpected_keys}"
    generator = torch.Generator().manual_seed(HEAD_SEED + index)
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name in cf.head_param_names(model):
            params[name].copy_(torch.randn(params[name].shape, generator=generator) * cf.HEAD_STD)
    model.save_pretrained(directory, safe_serialization=True)
    for fname in cf.TOKENIZER_FILES:
        if os.path.isfile(os.path.join(base_dir, fname)):
            shutil.copy(os.path.join(base_dir, fname), os.path.join(directory, fname))

    tok = tokenizer_for(directory, arch)
    model = load_model(directory)
    enc, word_ids, token_labels = encode(tok)
    labels = torch.tensor(token_labels, dtype=torch.long)
    with torch.no_grad():
        out = model(**cf.model_inputs(enc), labels=labels)
    manual = torch.nn.functional.cross_entropy(out.logits.reshape(-1, len(LABELS)), labels.reshape(-1), ignore_index=-100)
    assert torch.allclose(out.loss, manual, rtol=1e-6, atol=1e-7), f"{arch}: HF loss != manual loss"

    model.zero_grad(set_to_none=True)
    model(**cf.model_inputs(enc), labels=labels).loss.backward()
    params = dict(model.named_parameters())
    head = cf.head_param_names(model)
    prefix = model.base_model_prefix + "."
    grads = {n: mf.tensor_json(params[n].grad) for n in head + [prefix + n for n in ENCODER_GRADS[arch]]}

    reference = {
        "model_type": model.config.model_type,
        "architecture": model.config.architectures[0],
        "labels": LABELS,
        "head_params": head,
        "batch": {
            "words": [w for w, _ in SENTENCES],
            "tags": [t for _, t in SENTENCES],
            **cf.ids_record(enc),
            "word_ids": word_ids,
            "token_labels": token_labels,
            "logits": mf.tensor_json(out.logits),
            "loss": cf.f32(out.loss.item()),
        },
        "grads": {"loss_definition": LOSS_DEFINITION, "params": grads},
    }
    mf.write_json(os.path.join(directory, "reference.json"), reference)
    print(f"  built {arch:12s} {reference['architecture']}, {enc['input_ids'].shape[1]} tokens, loss {reference['batch']['loss']}")


def verify(out_dir):
    total = 0
    for arch in ARCHS:
        directory = os.path.join(out_dir, arch)
        with open(os.path.join(directory, "reference.json"), encoding="utf-8") as f:
            ref = json.load(f)
        model = load_model(directory)
        enc, _, token_labels = encode(tokenizer_for(directory, arch))
        assert cf.ids_record(enc)["input_ids"] == ref["batch"]["input_ids"]
        with torch.no_grad():
            logits = model(**cf.model_inputs(enc)).logits
        diff = (logits - mf.tensor_from_json(ref["batch"]["logits"])).abs().max().item()
        assert diff == 0.0, f"{arch}: logits differ by {diff} after reload"
        total += sum(os.path.getsize(os.path.join(directory, n)) for n in os.listdir(directory))
    print(f"  verified; total {total / 1024:.0f} KiB")
    assert total < SIZE_LIMIT, f"fixtures/ner is {total} bytes, over the {SIZE_LIMIT} byte budget"


README_MARKER = "## ner/<arch>/"

README_SECTION = """\
## ner/<arch>/

Generated by `scripts/make_ner_fixtures.py --out fixtures/ner` (after `scripts/make_fixtures.py`
and `scripts/make_classification_fixtures.py`).  For each base arch an
`AutoModelForTokenClassification` with tags O / B-PER / I-PER / B-LOC / I-LOC whose encoder is
exactly `models/<arch>/` and whose `classifier` is freshly drawn (N(0, 0.2), seeded), plus the
base tokenizer files.  `reference.json`: three pre-split sentences (accents, a word of many
sub-tokens, a one-word sentence) tokenised with `is_split_into_words=True` (roberta:
`add_prefix_space=True`), padded to the longest; ids / mask / type ids, `word_ids`,
`token_labels` (tag id on each word's first sub-token, -100 elsewhere), `logits` `[3, L, 5]`,
HF's `loss`, and gradients of that loss for `classifier.*`, the word embeddings and the layer-0
query weight.
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
    os.makedirs(out_dir, exist_ok=True)
    print(f"building NER fixtures from {models_dir}")
    for index, arch in enumerate(ARCHS):
        build(out_dir, models_dir, index, arch)
    verify(out_dir)
    mf.replace_readme_section(os.path.join(os.path.dirname(out_dir), "README.md"), README_MARKER, README_SECTION)
    print("done")


if __name__ == "__main__":
    main()
