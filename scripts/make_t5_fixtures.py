#!/usr/bin/env python3
"""Tiny random T5 models and PyTorch's outputs and gradients, for the Rust T5 parity tests.

Usage:
    python scripts/make_t5_fixtures.py [--out fixtures]

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
Nothing is downloaded. CPU, float32, eval mode, eager attention, one thread.
"""

import argparse
import json
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402,F401  (tensor_json's float32 formatting)
import torch  # noqa: E402
from transformers import T5Config, T5ForConditionalGeneration  # noqa: E402

SEED = 5
INIT_STD = 0.2
VOCAB = 1100  # a 1,000-piece SentencePiece model plus T5's 100 sentinel ids

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
    pad_token_id=0,
    eos_token_id=1,
    decoder_start_token_id=0,
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

INPUT_IDS = [
    [37, 512, 8, 1021, 77, 3, 640, 19, 1],
    [52, 9, 880, 1, 0, 0, 0, 0, 0],
]
LABELS = [
    [64, 7, 999, 12, 1],
    [301, 45, 1, -100, -100],
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


def build(name, config_kwargs, out_dir):
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


def reference(model):
    input_ids = torch.tensor(INPUT_IDS)
    attention_mask = (input_ids != 0).long()
    attention_mask[:, 0] = 1
    labels = torch.tensor(LABELS)
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


def generate_cases(model):
    input_ids = torch.tensor(INPUT_IDS)
    attention_mask = (input_ids != 0).long()
    attention_mask[:, 0] = 1
    cases = []
    for name, kwargs in GENERATE_CASES:
        kwargs = dict(kwargs, eos_token_id=1, pad_token_id=0)
        # transformers 5.23 sizes generate's cache by num_layers, so a deeper decoder fails
        # with IndexError at its first extra layer; without the cache the outputs are the same.
        use_cache = model.config.num_decoder_layers == model.config.num_layers
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
distance 12, vocab 1,100), every parameter N(0, 0.2):

| fixture | feed-forward | LM head | decoder output scaled | layers (enc/dec) |
|---|---|---|---|---|
| t5 | ReLU | tied to `shared` | by d_model^-0.5 | 2 / 2 |
| t5-v1_1 | gated GELU (gelu_new) | own `lm_head.weight` | no (`tie_word_embeddings: false`) | 2 / 3 |

`reference.json` holds a right-padded batch of two inputs with labels (−100 after the second
row's end), the encoder's last hidden state, the logits, the loss and gradients, and the
relative position buckets for −200..200, all from the model as `from_pretrained` reloads it.
"""


def write_readme_section(out_dir):
    """Replace (or append) this script's section of <out>/README.md."""
    path = os.path.join(out_dir, "README.md")
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    heading = README_SECTION.split("\n", 1)[0]
    if heading in text:
        start = text.index(heading)
        following = text.find("\n## ", start + len(heading))
        rest = text[following + 1:] if following >= 0 else ""
        text = text[:start] + README_SECTION + ("\n" + rest if rest else "")
    else:
        text = text.rstrip("\n") + "\n\n" + README_SECTION
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="fixtures")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name, config_kwargs in VARIANTS.items():
        model, directory = build(name, config_kwargs, args.out)
        with open(os.path.join(directory, "reference.json"), "w") as f:
            json.dump(dict(reference(model), generate=generate_cases(model)), f)
            f.write("\n")
        print(f"{directory}: written")
    write_readme_section(args.out)


if __name__ == "__main__":
    main()
