#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for sequence classification heads.

Usage:
    python scripts/make_classification_fixtures.py --out fixtures/classification
                                                   [--models fixtures/models]

Needs the base fixtures written by scripts/make_fixtures.py (`fixtures/models/<arch>/`); run
that script first (it also rewrites fixtures/README.md, after which this script re-appends its
own section).  Nothing is downloaded; from_pretrained is only called on local directories.

For each arch in bert, roberta, distilbert, electra, xlm-roberta, camembert, albert this
writes `<out>/<arch>/` holding an `AutoModelForSequenceClassification` model (3 labels,
single_label_classification) whose encoder is exactly the base fixture's encoder and whose
classification head is freshly drawn (std 0.2 weights, non-zero biases, seeded), saved with
save_pretrained (safetensors) plus a copy of the base fixture's tokenizer files, and a
`reference.json` with the logits / loss / gradients PyTorch computes (eval mode, eager
attention).  Two extra BERT variants cover the other problem types:

    bert-regression   num_labels 1, problem_type "regression"                 (MSELoss)
    bert-multilabel   num_labels 4, problem_type "multi_label_classification" (BCEWithLogitsLoss)

reference.json layout (tensors are {"shape": [...], "data": [flat row-major float32]} with
shortest-round-trip decimals, as in scripts/make_fixtures.py):

    {"model_type", "architecture", "num_labels", "problem_type",
     "head_params": [named_parameters() names of the head],
     "batch": {"texts", "input_ids", "attention_mask", "token_type_ids" | null,
               "logits", "labels", "loss"},
     "pair":  {"text_a", "text_b", "input_ids", "attention_mask", "token_type_ids" | null,
               "logits"},
     "grads": {"loss_definition", "params": {name: gradient}}}

Everything is deterministic: fixed texts (taken from the base fixtures' reference.json), fixed
labels, fixed seeds, single-threaded deterministic torch.
"""

import argparse
import json
import os
import shutil
import sys

# Reuse the base fixture script's helpers (tensor encoding, JSON writing, tokenisation
# settings).  Importing it also sets the offline / single-thread environment variables.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer  # noqa: E402

# Distinct from the seeds make_fixtures.py uses (1234 + i, 1334 + i).
HEAD_SEED = 4321
HEAD_STD = mf.INIT_STD  # 0.2, like every other random weight in the fixtures
MAX_LEN = mf.MAX_LEN  # 64

SENTIMENT = {0: "negative", 1: "neutral", 2: "positive"}

# (output dir name, base fixture arch, num_labels, problem_type, id2label, labels for the
# 3-text batch).  Labels: ints for single-label, floats for regression, multi-hot floats for
# multi-label.  They are chosen so that every class / every column value occurs.
VARIANTS = [
    ("bert", "bert", 3, "single_label_classification", SENTIMENT, [2, 0, 1]),
    ("roberta", "roberta", 3, "single_label_classification", SENTIMENT, [2, 0, 1]),
    ("distilbert", "distilbert", 3, "single_label_classification", SENTIMENT, [2, 0, 1]),
    ("electra", "electra", 3, "single_label_classification", SENTIMENT, [2, 0, 1]),
    ("xlm-roberta", "xlm-roberta", 3, "single_label_classification", SENTIMENT, [2, 0, 1]),
    ("camembert", "camembert", 3, "single_label_classification", SENTIMENT, [2, 0, 1]),
    ("albert", "albert", 3, "single_label_classification", SENTIMENT, [2, 0, 1]),
    ("bert-regression", "bert", 1, "regression", None, [0.5, -1.25, 2.0]),
    (
        "bert-multilabel",
        "bert",
        4,
        "multi_label_classification",
        {0: "a", 1: "b", 2: "c", 3: "d"},
        [[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 1.0]],
    ),
]

# Encoder parameters (relative to the base model) whose gradients are recorded in addition to
# every head parameter: the word embeddings, the layer-0 query weight and, for models whose
# head reads the pooler output (bert, albert), the pooler weight.
ENCODER_GRADS = {
    "bert": ["embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight", "pooler.dense.weight"],
    "roberta": ["embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight"],
    "xlm-roberta": ["embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight"],
    "camembert": ["embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight"],
    "electra": ["embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight"],
    "distilbert": ["embeddings.word_embeddings.weight", "transformer.layer.0.attention.q_lin.weight"],
    # ALBERT's layers share one parameter group, so this gradient sums over its 3 layers.
    "albert": [
        "embeddings.word_embeddings.weight",
        "encoder.albert_layer_groups.0.albert_layers.0.attention.query.weight",
        "pooler.weight",
    ],
}

LOSS_DEFINITION = "HF loss on the batch with the labels above, eval mode"

# Files of a base fixture directory that make up its tokenizer.
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "vocab.json", "merges.txt")

SIZE_LIMIT = int(2.5 * 1024 * 1024)


def f32(x):
    """A Python float holding the shortest decimal that round-trips to the same float32."""
    return float(str(np.float32(x)))


def head_param_names(model):
    """Names (as in named_parameters()) of every parameter outside the base model."""
    prefix = model.base_model_prefix + "."
    return [name for name, _ in model.named_parameters() if not name.startswith(prefix)]


def load_cls_model(directory):
    """Load a saved classification model the way the base fixtures are loaded (eager attention,
    float32, every tensor copied out of the memory-mapped file so results do not depend on the
    buffer alignment), in eval mode so dropout is the identity."""
    model = AutoModelForSequenceClassification.from_pretrained(directory, attn_implementation="eager", dtype=torch.float32)
    with torch.no_grad():
        for tensor in list(model.parameters()) + list(model.buffers()):
            tensor.data = tensor.data.clone()
    model.eval()
    return model


def model_inputs(enc):
    """input_ids + attention_mask, and token_type_ids only when the tokenizer returned them."""
    kwargs = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}
    if "token_type_ids" in enc:
        kwargs["token_type_ids"] = enc["token_type_ids"]
    return kwargs


def label_tensor(problem_type, labels):
    if problem_type == "single_label_classification":
        return torch.tensor(labels, dtype=torch.long)
    return torch.tensor(labels, dtype=torch.float32)


def manual_loss(problem_type, logits, labels):
    """The loss HF computes, written out independently as a cross-check."""
    if problem_type == "single_label_classification":
        return torch.nn.functional.cross_entropy(logits, labels)  # mean over the batch
    if problem_type == "regression":
        return ((logits.squeeze(-1) - labels) ** 2).mean()  # MSE, mean over the batch
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)  # mean over all entries


def build_model(name, base_dir, num_labels, problem_type, id2label, seed):
    """Classification model with the base fixture's encoder and a freshly drawn head."""
    kwargs = {"num_labels": num_labels, "problem_type": problem_type}
    if id2label is not None:
        kwargs["id2label"] = dict(id2label)
        kwargs["label2id"] = {label: i for i, label in id2label.items()}
    config = AutoConfig.from_pretrained(base_dir, **kwargs)
    torch.manual_seed(seed)  # HF's own init of the head (overwritten below anyway)
    model = AutoModelForSequenceClassification.from_config(config, attn_implementation="eager", dtype=torch.float32)

    # Encoder: exactly the base fixture's weights.  The RoBERTa-family classification models
    # are built with add_pooling_layer=False, so the base pooler weights are the only keys
    # allowed to be left over; nothing of the encoder may be missing.
    state = load_file(os.path.join(base_dir, "model.safetensors"))
    result = model.base_model.load_state_dict(state, strict=False)
    assert not result.missing_keys, f"{name}: encoder keys missing from the base fixture: {result.missing_keys}"
    assert all(k.startswith("pooler.") for k in result.unexpected_keys), f"{name}: unexpected keys {result.unexpected_keys}"
    if result.unexpected_keys:
        print(f"  {name}: base keys not used by the classification model: {sorted(result.unexpected_keys)}")

    # Head: every head Linear gets N(0, 0.2) weights and N(0, 0.2) biases (non-zero), drawn
    # in named_parameters() order from a seeded generator.
    generator = torch.Generator().manual_seed(seed)
    params = dict(model.named_parameters())
    with torch.no_grad():
        for pname in head_param_names(model):
            p = params[pname]
            p.copy_(torch.randn(p.shape, generator=generator) * HEAD_STD)
    return model


def encode(tok, texts, pair=None):
    """Tokenise exactly as scripts/make_fixtures.py does."""
    args = (texts,) if pair is None else (texts, pair)
    return tok(*args, padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt")


def ids_record(enc):
    return {
        "input_ids": mf.to_lists(enc, "input_ids"),
        "attention_mask": mf.to_lists(enc, "attention_mask"),
        "token_type_ids": mf.to_lists(enc, "token_type_ids"),
    }


def build_variant(out_dir, models_dir, index, variant):
    name, base_arch, num_labels, problem_type, id2label, labels = variant
    base_dir = os.path.join(models_dir, base_arch)
    directory = os.path.join(out_dir, name)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)

    with open(os.path.join(base_dir, "reference.json"), encoding="utf-8") as f:
        base_ref = json.load(f)
    texts = base_ref["batch"]["texts"]
    text_a, text_b = base_ref["pair"]["text_a"], base_ref["pair"]["text_b"]

    # Model + tokenizer files, then always work with the copies reloaded from disk.
    model = build_model(name, base_dir, num_labels, problem_type, id2label, HEAD_SEED + index)
    model.save_pretrained(directory, safe_serialization=True)
    for fname in TOKENIZER_FILES:
        if os.path.isfile(os.path.join(base_dir, fname)):
            shutil.copy(os.path.join(base_dir, fname), os.path.join(directory, fname))
    tok = AutoTokenizer.from_pretrained(directory)
    model = load_cls_model(directory)
    assert model.config.problem_type == problem_type

    # The encoder must be the base fixture's: same tensors, same last_hidden_state.
    base_state = load_file(os.path.join(base_dir, "model.safetensors"))
    for key, value in model.base_model.state_dict().items():
        if key in base_state:
            assert torch.equal(value, base_state[key]), f"{name}: encoder tensor {key} differs from the base fixture"

    batch_enc = encode(tok, texts)
    pair_enc = encode(tok, [text_a], [text_b])
    for section, enc in (("batch", batch_enc), ("pair", pair_enc)):
        for key, value in ids_record(enc).items():
            assert value == base_ref[section][key], f"{name}/{section}: {key} differs from the base fixture"
    with torch.no_grad():
        hidden = model.base_model(**model_inputs(batch_enc)).last_hidden_state
    hdiff = (hidden - mf.tensor_from_json(base_ref["batch"]["last_hidden_state"])).abs().max().item()
    assert hdiff <= 1e-6, f"{name}: encoder output differs from the base fixture by {hdiff}"

    # Logits and loss (eval mode: dropout is the identity).
    label_t = label_tensor(problem_type, labels)
    with torch.no_grad():
        batch_out = model(**model_inputs(batch_enc), labels=label_t)
        pair_logits = model(**model_inputs(pair_enc)).logits
    expected = manual_loss(problem_type, batch_out.logits, label_t)
    assert torch.allclose(batch_out.loss, expected, rtol=1e-6, atol=1e-7), f"{name}: HF loss != manual loss"

    # Gradients of the same loss.
    model.zero_grad(set_to_none=True)
    loss = model(**model_inputs(batch_enc), labels=label_t).loss
    loss.backward()
    params = dict(model.named_parameters())
    head = head_param_names(model)
    prefix = model.base_model_prefix + "."
    grad_names = head + [prefix + n for n in ENCODER_GRADS[base_arch]]
    grads = {n: mf.tensor_json(params[n].grad) for n in grad_names}
    model.zero_grad(set_to_none=True)

    reference = {
        "model_type": model.config.model_type,
        "architecture": model.config.architectures[0],
        "num_labels": num_labels,
        "problem_type": problem_type,
        "head_params": head,
        "batch": {
            "texts": texts,
            **ids_record(batch_enc),
            "logits": mf.tensor_json(batch_out.logits),
            "labels": labels,
            "loss": f32(batch_out.loss.item()),
        },
        "pair": {"text_a": text_a, "text_b": text_b, **ids_record(pair_enc), "logits": mf.tensor_json(pair_logits)},
        "grads": {"loss_definition": LOSS_DEFINITION, "params": grads},
    }
    mf.write_json(os.path.join(directory, "reference.json"), reference)

    print(f"  built {name:16s} {reference['architecture']} ({problem_type}, {num_labels} labels), loss {reference['batch']['loss']}")
    for n in head:
        print(f"      {n:28s} {list(params[n].shape)}")


def verify(out_dir):
    """Reload every directory from disk and check it reproduces the recorded values exactly."""
    total = 0
    for name, *_ in VARIANTS:
        directory = os.path.join(out_dir, name)
        with open(os.path.join(directory, "reference.json"), encoding="utf-8") as f:
            ref = json.load(f)
        tok = AutoTokenizer.from_pretrained(directory)
        model = load_cls_model(directory)
        assert model.config.problem_type == ref["problem_type"]
        assert model.config.num_labels == ref["num_labels"]
        assert head_param_names(model) == ref["head_params"]
        for section, args in (("batch", (ref["batch"]["texts"],)), ("pair", ([ref["pair"]["text_a"]], [ref["pair"]["text_b"]]))):
            enc = encode(tok, *args)
            for key, value in ids_record(enc).items():
                assert value == ref[section][key], f"{name}/{section}: {key} differs after reload"
            with torch.no_grad():
                logits = model(**model_inputs(enc)).logits
            diff = (logits - mf.tensor_from_json(ref[section]["logits"])).abs().max().item()
            assert diff == 0.0, f"{name}/{section}: logits differ by {diff} after reload"
        with torch.no_grad():
            loss = model(**model_inputs(encode(tok, ref["batch"]["texts"])), labels=label_tensor(ref["problem_type"], ref["batch"]["labels"])).loss
        assert f32(loss.item()) == ref["batch"]["loss"], f"{name}: loss differs after reload"
        size = sum(os.path.getsize(os.path.join(directory, n)) for n in os.listdir(directory))
        total += size
        print(f"  verified {name:16s} {size / 1024:.0f} KiB (reference.json {os.path.getsize(os.path.join(directory, 'reference.json')) / 1024:.0f} KiB), logits max|diff| = 0")
    print(f"  total {total / 1024:.0f} KiB")
    assert total < SIZE_LIMIT, f"fixtures/classification is {total} bytes, over the {SIZE_LIMIT} byte budget"


README_MARKER = "## classification/<name>/"

README_SECTION = """\
## classification/<name>/

Generated by `scripts/make_classification_fixtures.py --out fixtures/classification` (run it
after `scripts/make_fixtures.py`, which rewrites this README and the base models).
`AutoModelForSequenceClassification` models whose encoder is exactly `models/<arch>/` and whose
head is freshly drawn (N(0, 0.2) weights, non-zero N(0, 0.2) biases, seeded), saved with
`save_pretrained` (safetensors) plus a copy of the base tokenizer files.

| name            | base  | num_labels | problem_type                | id2label                      |
|-----------------|-------|------------|-----------------------------|-------------------------------|
| bert, roberta, distilbert, electra, xlm-roberta, camembert, albert | same | 3 | single_label_classification | negative / neutral / positive |
| bert-regression | bert  | 1          | regression                  | (default LABEL_0)             |
| bert-multilabel | bert  | 4          | multi_label_classification  | a / b / c / d                 |

Head layouts (HF names): bert, albert `classifier` on the pooler output; roberta, xlm-roberta,
camembert, electra `classifier.dense` + `classifier.out_proj` on the first token (tanh, electra
exact-erf gelu); distilbert `pre_classifier` (ReLU) + `classifier` on the first token.  The
RoBERTa-family classification models have no pooler (the base fixture's pooler is dropped).

`reference.json` (eval mode, eager attention, same tensor encoding as above):
`model_type`, `architecture`, `num_labels`, `problem_type`, `head_params` (head parameter
names); `batch`: the base fixture's three texts, ids / mask / type ids (null when not
returned), `logits`, `labels` (ints / floats / multi-hot floats) and HF's `loss` for them
(CrossEntropy mean / MSE mean / BCEWithLogits mean over all entries); `pair`: the base pair and
its `logits`; `grads.params`: gradients of that loss for every head parameter, the word
embeddings, the layer-0 query weight (ALBERT: summed over its shared layers) and, for bert /
albert, the pooler weight.  `scripts/check_hf_classification.py SAVED_DIR REFERENCE_JSON`
checks a directory saved by the Rust side against a reference.json.
"""


def update_readme(readme_path):
    """Append (or replace) this script's section at the end of fixtures/README.md."""
    text = ""
    if os.path.isfile(readme_path):
        with open(readme_path, encoding="utf-8") as f:
            text = f.read()
    if README_MARKER in text:
        # The section is always the last one; drop it (and what follows) before re-appending.
        text = text[: text.index(README_MARKER)]
    text = text.rstrip("\n") + "\n\n" + README_SECTION
    with open(readme_path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="output directory (fixtures/classification)")
    parser.add_argument("--models", help="base fixtures directory (default: <out>/../models)")
    args = parser.parse_args()

    out_dir = os.path.abspath(args.out)
    models_dir = os.path.abspath(args.models or os.path.join(out_dir, os.pardir, "models"))
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()

    os.makedirs(out_dir, exist_ok=True)
    print(f"building classification fixtures from {models_dir}")
    for index, variant in enumerate(VARIANTS):
        build_variant(out_dir, models_dir, index, variant)
    print("verifying")
    verify(out_dir)
    update_readme(os.path.join(os.path.dirname(out_dir), "README.md"))
    print("done")


if __name__ == "__main__":
    main()
