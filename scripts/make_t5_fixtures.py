#!/usr/bin/env python3
"""Tiny random T5 models and PyTorch's outputs and gradients, for the Rust T5 parity tests.

Usage:
    python scripts/make_t5_fixtures.py [--out fixtures] [--spm FILE]

The tokenizer is T5's, converted by transformers from a real SentencePiece model: sentencepiece's
own test model `botchan_en_unigram_1000.model` (Apache-2.0, a 1,000-piece unigram model trained
on Natsume Sōseki's *Botchan* in English). `--spm` names a local copy; without it the script
fetches the sentencepiece 0.2.3 sdist from PyPI into target/ (SHA-256 checked) and reads the
model from its test/ folder. T5Tokenizer adds the 100 sentinels `<extra_id_N>` (ids 1099 down to
1000) and `<pad>` (1100); `</s>` is the model's own id 2, `<unk>` 0, so vocab_size is 1,101,
pad and decoder start 1100, eos 2.

Writes (transformers 5.23.0, torch 2.15.0; pins in scripts/requirements-fixtures.txt):

  models/t5/          T5 v1.0 shape: ReLU feed-forward, LM head tied to `shared`, decoder
                      output scaled by d_model^-0.5 before the head (config.json as
                      transformers 5.23 saves it: tie_word_embeddings true).
  models/t5-v1_1/     T5 v1.1 / mT5 shape: gated-GELU feed-forward (gelu_new), its own
                      `lm_head.weight`, no output scaling (config.json as google/t5-v1_1-*
                      ships it: tie_word_embeddings false), 3 decoder layers over 2 encoder
                      layers.
  models/t5*/reference.json
      batch          encoder input_ids / attention_mask (right padding, as T5 pads), labels
                     with -100 after the second row's end, decoder_input_ids (labels shifted
                     right from decoder_start_token_id, -100 → pad)
      encoder_hidden last hidden state of the encoder
      logits         decoder logits for the labels
      loss           CrossEntropyLoss(ignore_index=-100) over the labels
      grads          full gradients of selected parameters (HF names, PyTorch layouts)
      table_grads    shared.weight (and an untied lm_head.weight): gradient rows at the ids
                     the batch uses, and the sum of the whole gradient's absolute values
      buckets        _relative_position_bucket over relative positions −200..200, both
                     directions, with this config's buckets and max distance
      generate       `model.generate` on the batch's inputs: greedy (with the smallest gap
                     between the best and second-best score of any step, `min_margin`), and
                     beam search returning two sequences with their scores; `sequences` as
                     transformers returns them (decoder start token first, padded after the end).
                     For t5-v1_1 without generate's cache: transformers 5.23 sizes it by
                     num_layers and fails (IndexError) on the third decoder layer.

Each model is saved with save_pretrained, then reloaded from its directory, and every reference
value comes from the reloaded model: what is recorded is what transformers loads from the files.
All parameters are N(0, 0.2) (seeded) so that mistakes show; relative attention uses 8 buckets
and max distance 12 so the logarithmic buckets are reached by the 9-token batch.
CPU, float32, eval mode, eager attention, one thread.
"""

import argparse
import hashlib
import io
import json
import os
import re
import tarfile
import urllib.request

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402,F401  (tensor_json's float32 formatting)
import torch  # noqa: E402
from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer  # noqa: E402

SEED = 5
INIT_STD = 0.2
VOCAB = 1101  # a 1,000-piece SentencePiece model, T5's 100 sentinels and <pad>
PAD_ID = 1100
EOS_ID = 2

SDIST = "sentencepiece-0.2.3.tar.gz"
SPM_MEMBER = "sentencepiece-0.2.3/test/botchan_en_unigram_1000.model"

TEXTS = [
    "translate English to German: The house is wonderful.",
    "summarize: I had a good deal of trouble with the headmaster, who was a badger.",
]
TARGETS = ["Das Haus ist wunderbar.", "The headmaster was trouble."]
SENTINEL_TEXT = "The <extra_id_0> walks in <extra_id_1> park."

BASE = dict(
    vocab_size=VOCAB,
    d_model=32,
    d_kv=8,
    d_ff=48,
    num_layers=2,
    num_heads=4,
    relative_attention_num_buckets=8,
    relative_attention_max_distance=12,
    dropout_rate=0.0,
    layer_norm_epsilon=1e-6,
    pad_token_id=PAD_ID,
    eos_token_id=EOS_ID,
    decoder_start_token_id=PAD_ID,
)

VARIANTS = {
    "t5": dict(BASE, feed_forward_proj="relu"),
    "t5-v1_1": dict(BASE, feed_forward_proj="gated-gelu", num_decoder_layers=3, tie_word_embeddings=False),
}

GRAD_PARAMS = [
    "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
    "encoder.block.0.layer.0.SelfAttention.q.weight",
    "encoder.block.1.layer.1.layer_norm.weight",
    "encoder.final_layer_norm.weight",
    "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
    "decoder.block.0.layer.1.EncDecAttention.k.weight",
    "decoder.block.1.layer.1.EncDecAttention.o.weight",
    "decoder.block.1.layer.2.DenseReluDense.wo.weight",
    "decoder.final_layer_norm.weight",
]

def f32(x):
    return float(torch.tensor(x, dtype=torch.float32).item())


def tensor_json(t):
    """Float32 values as their shortest round-tripping decimals."""
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(str(v)) for v in t.reshape(-1).numpy()]}


def table_grad(grad, ids):
    """An embedding-sized gradient: its rows at the ids the batch uses, and its |sum|."""
    return {"ids": ids, "rows": tensor_json(grad[ids]), "abs_sum": float(grad.abs().sum().item())}


def fetch_spm(cache_dir):
    """botchan_en_unigram_1000.model from the sentencepiece sdist on PyPI (cached)."""
    path = os.path.join(cache_dir, SDIST)
    if not os.path.exists(path):
        index = urllib.request.urlopen("https://pypi.org/simple/sentencepiece/").read().decode()
        match = re.search(r'href="(https://[^"#]*/' + re.escape(SDIST) + r')#sha256=([0-9a-f]+)"', index)
        if not match:
            raise SystemExit(f"{SDIST} not found in PyPI's index")
        url, digest = match.groups()
        data = urllib.request.urlopen(url).read()
        if hashlib.sha256(data).hexdigest() != digest:
            raise SystemExit(f"{SDIST}: SHA-256 differs from PyPI's")
        os.makedirs(cache_dir, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    with tarfile.open(path) as sdist:
        return sdist.extractfile(SPM_MEMBER).read()


def build_tokenizer(spm_bytes, work_dir):
    """T5Tokenizer converted from the SentencePiece model (as `from_pretrained` converts a
    directory holding only spiece.model)."""
    os.makedirs(work_dir, exist_ok=True)
    with open(os.path.join(work_dir, "spiece.model"), "wb") as f:
        f.write(spm_bytes)
    tok = T5Tokenizer.from_pretrained(work_dir, extra_ids=100)
    assert (len(tok), tok.pad_token_id, tok.eos_token_id) == (VOCAB, PAD_ID, EOS_ID), (len(tok), tok.pad_token_id)
    return tok


def build(name, config_kwargs, out_dir, tok):
    torch.manual_seed(SEED)
    model = T5ForConditionalGeneration(T5Config(**config_kwargs))
    generator = torch.Generator().manual_seed(SEED)
    untied = config_kwargs.get("tie_word_embeddings") is False
    if untied:
        model.lm_head.weight = torch.nn.Parameter(torch.empty(VOCAB, config_kwargs["d_model"]))
    with torch.no_grad():
        for _, param in model.named_parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * INIT_STD)
    directory = os.path.join(out_dir, "models", name)
    os.makedirs(directory, exist_ok=True)
    model.save_pretrained(directory)
    # Encoding with padding=True leaves padding set on the backend tokenizer; save it as fresh.
    tok.backend_tokenizer.no_padding()
    tok.backend_tokenizer.no_truncation()
    tok.save_pretrained(directory)
    path = os.path.join(directory, "config.json")
    with open(path) as f:
        config = json.load(f)
    if untied:
        # As google/t5-v1_1-* and mT5 configs say it (and transformers < 5 wrote it).
        config["tie_word_embeddings"] = False
        config.pop("scale_decoder_outputs", None)
    with open(path, "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    reloaded = T5ForConditionalGeneration.from_pretrained(directory, attn_implementation="eager").eval()
    tied = reloaded.lm_head.weight.data_ptr() == reloaded.shared.weight.data_ptr()
    assert tied != untied, f"{name}: lm_head tied = {tied}"
    assert reloaded.config.scale_decoder_outputs == (not untied)
    return reloaded, directory


def encode_batch(tok):
    """The inputs right-padded, and the targets' ids as labels with -100 on their padding."""
    inputs = tok(TEXTS, padding=True, return_tensors="pt")
    targets = tok(TARGETS, padding=True, return_tensors="pt")
    labels = targets["input_ids"].masked_fill(targets["attention_mask"] == 0, -100)
    return inputs["input_ids"], inputs["attention_mask"], labels


def tokenizer_reference(tok):
    texts = TEXTS + TARGETS + [SENTINEL_TEXT]
    ids = [tok(t)["input_ids"] for t in texts]
    return {
        "texts": texts,
        "ids": ids,
        "decoded": [tok.decode(i, skip_special_tokens=True) for i in ids],
        "sentinels": {f"<extra_id_{n}>": tok.convert_tokens_to_ids(f"<extra_id_{n}>") for n in (0, 1, 99)},
        "pad_token_id": tok.pad_token_id,
        "eos_token_id": tok.eos_token_id,
    }


def reference(model, tok):
    input_ids, attention_mask, labels = encode_batch(tok)
    decoder_input_ids = model._shift_right(labels)
    model.zero_grad(set_to_none=True)
    out = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
    out.loss.backward()
    params = dict(model.named_parameters())
    grads = {}
    for name in GRAD_PARAMS:
        grads[name] = tensor_json(params[name].grad)
    ids = sorted(set(input_ids.reshape(-1).tolist()) | set(decoder_input_ids.reshape(-1).tolist()))
    tables = {"shared.weight": table_grad(params["shared.weight"].grad, ids)}
    if "lm_head.weight" in params:
        tables["lm_head.weight"] = table_grad(params["lm_head.weight"].grad, ids)
    config = model.config
    relative = torch.arange(-200, 201)
    bucket = type(model.encoder.block[0].layer[0].SelfAttention)._relative_position_bucket
    buckets = {
        direction: bucket(
            relative,
            bidirectional=bidirectional,
            num_buckets=config.relative_attention_num_buckets,
            max_distance=config.relative_attention_max_distance,
        ).tolist()
        for direction, bidirectional in [("bidirectional", True), ("causal", False)]
    }
    return {
        "batch": {
            "input_ids": input_ids.tolist(),
            "attention_mask": attention_mask.tolist(),
            "labels": labels.tolist(),
            "decoder_input_ids": decoder_input_ids.tolist(),
        },
        "encoder_hidden": tensor_json(out.encoder_last_hidden_state),
        "logits": tensor_json(out.logits),
        "loss": f32(out.loss.item()),
        "grads": grads,
        "table_grads": tables,
        "buckets": {"relative_positions": relative.tolist(), **buckets},
    }


GENERATE_CASES = [
    ("greedy", dict(do_sample=False, max_new_tokens=10)),
    ("beam", dict(do_sample=False, num_beams=3, num_return_sequences=2, max_new_tokens=8, length_penalty=1.0)),
]


def generate_cases(model, input_ids, attention_mask, eos, pad, extra=None):
    """`model.generate` on the inputs for each of GENERATE_CASES, with `extra` settings (JSON
    values) on top: sequences, and the greedy margin or the beam scores."""
    cases = []
    for name, kwargs in GENERATE_CASES:
        kwargs = dict(kwargs, eos_token_id=eos, pad_token_id=pad, **(extra or {}))
        # transformers 5.23 sizes T5's generate cache by num_layers, so a deeper decoder fails
        # with IndexError at its first extra layer; without the cache the outputs are the same.
        layers = getattr(model.config, "num_layers", None)
        use_cache = getattr(model.config, "num_decoder_layers", layers) == layers
        with torch.no_grad():
            out = model.generate(
                input_ids=input_ids,
                attention_mask=attention_mask,
                return_dict_in_generate=True,
                output_scores=True,
                use_cache=use_cache,
                **kwargs,
            )
        case = {"name": name, "kwargs": kwargs, "sequences": out.sequences.tolist()}
        if kwargs.get("num_beams", 1) == 1:
            gaps = [
                float((top[:, 0] - top[:, 1]).min())
                for top in (scores.topk(2, dim=-1).values for scores in out.scores)
            ]
            case["min_margin"] = min(gaps)
        else:
            case["sequences_scores"] = [float(v) for v in out.sequences_scores]
        cases.append(case)
    return cases


README_SECTION = """## models/t5/ and models/t5-v1_1/

Made by `scripts/make_t5_fixtures.py` (its docstring lists every field). Tiny random
`T5ForConditionalGeneration`s (d_model 32, 4 heads of 8, d_ff 48, 8 relative buckets, max
distance 12), every parameter N(0, 0.2), with T5's tokenizer converted by transformers from a
real SentencePiece model, sentencepiece's own `botchan_en_unigram_1000.model` (from its 0.2.3
sdist): 1,000 pieces, the sentinels `<extra_id_0>`..`<extra_id_99>` at 1099..1000 and `<pad>` at
1100 (vocab 1,101; eos `</s>` = 2, the decoder start = pad).

| fixture | feed-forward | LM head | decoder output scaled | layers (enc/dec) |
|---|---|---|---|---|
| t5 | ReLU | tied to `shared` | by d_model^-0.5 | 2 / 2 |
| t5-v1_1 | gated GELU (gelu_new) | own `lm_head.weight` | no (`tie_word_embeddings: false`) | 2 / 3 |

`reference.json` holds the tokenizer's ids for five texts (one with sentinels), a right-padded
batch of two real inputs and targets (labels −100 on padding), the encoder's last hidden
state, the logits, the loss and gradients, the relative position buckets for −200..200, and
`generate` outputs (greedy, and beam search with two sequences each), all from the model as
`from_pretrained` reloads it.
"""


def write_readme_section(out_dir, section=README_SECTION):
    """Replace (or append) `section` (from its `## ` heading on) in <out>/README.md."""
    path = os.path.join(out_dir, "README.md")
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    heading = section.split("\n", 1)[0]
    if heading in text:
        start = text.index(heading)
        following = text.find("\n## ", start + len(heading))
        rest = text[following + 1:] if following >= 0 else ""
        text = text[:start] + section + ("\n" + rest if rest else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="fixtures")
    parser.add_argument("--spm", default=None, help="a local botchan_en_unigram_1000.model")
    args = parser.parse_args()
    torch.set_num_threads(1)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    work = os.path.join(root, "target", "t5-fixtures")
    if args.spm:
        spm_bytes = open(args.spm, "rb").read()
    else:
        spm_bytes = fetch_spm(work)
    tok = build_tokenizer(spm_bytes, os.path.join(work, "spiece"))
    for name, config_kwargs in VARIANTS.items():
        model, directory = build(name, config_kwargs, args.out, tok)
        input_ids, attention_mask, _ = encode_batch(tok)
        generated = generate_cases(model, input_ids, attention_mask, EOS_ID, PAD_ID)
        result = dict(reference(model, tok), tokenizer=tokenizer_reference(tok), generate=generated)
        with open(os.path.join(directory, "reference.json"), "w") as f:
            json.dump(result, f)
            f.write("\n")
        print(f"{directory}: written")
    write_readme_section(args.out)


if __name__ == "__main__":
    main()
