"""Reload every directory written and check that it reproduces the recorded values exactly."""

import json
import os

import make_fixtures as mf
import torch
from transformers import AutoTokenizer

from . import common as c
from . import mlm
from . import pretraining as pt

SIZE_LIMIT = 8 * 1024 * 1024
REFERENCE_LIMIT = int(1.5 * 1024 * 1024)


def exact(name, what, tensor, recorded):
    diff = (tensor - mf.tensor_from_json(recorded)).abs().max().item()
    assert diff == 0.0, f"{name}: {what} differs by {diff} after reload"


def verify_variant(out_dir, variant):
    name, _, kind = variant
    directory = os.path.join(out_dir, name)
    with open(os.path.join(directory, "reference.json"), encoding="utf-8") as f:
        ref = json.load(f)
    tok = AutoTokenizer.from_pretrained(directory)
    model = c.load_model(directory, kind)
    assert type(model).__name__ == ref["architecture"]
    assert c.head_param_names(model) == ref["head_params"]
    assert c.saved_tensor_names(directory) == ref["saved_tensor_names"]
    assert c.tied_map(model, ref["saved_tensor_names"]) == ref["tied"]
    enc = c.encode(tok, ref["batch"]["texts"])
    for key in ("attention_mask", "token_type_ids"):
        assert mf.to_lists(enc, key) == ref["batch"][key], f"{name}: {key} differs after reload"
    assert enc["input_ids"].tolist() == ref["batch"]["original_input_ids"]
    inputs = torch.tensor(ref["batch"]["input_ids"])
    labels = torch.tensor(ref["batch"]["labels"])
    with torch.no_grad():
        out = mlm.forward(model, enc, inputs, labels)
    exact(name, "logits", out.logits, ref["batch"]["logits"])
    assert c.f32(out.loss.item()) == ref["batch"]["loss"], f"{name}: loss differs after reload"


def verify_pretraining(out_dir):
    with open(os.path.join(out_dir, "electra-pretraining", "reference.json"), encoding="utf-8") as f:
        ref = json.load(f)
    _, _, enc, positions, inputs, labels = pt.masked_batch(out_dir)
    assert positions == ref["masked_positions"] and inputs.tolist() == ref["generator_input_ids"]
    for key, with_mask in (("with_attention_mask", True), ("no_attention_mask", False)):
        generator, discriminator = pt.load_pair(out_dir)
        rec = ref[key]
        sampled = torch.tensor(rec["sampled_tokens"])
        again = pt.run_variant(generator, discriminator, enc, inputs, labels, with_mask, sampled)
        for field in ("g_loss", "d_loss", "total_loss", "sampled_tokens", "discriminator_input_ids", "discriminator_labels"):
            assert again[field] == rec[field], f"electra-pretraining/{key}: {field} differs after reload"
        g_key = "generator_logits" if with_mask else "generator_logits_at_masked"
        exact(f"electra-pretraining/{key}", g_key, mf.tensor_from_json(again[g_key]), rec[g_key])
        exact(f"electra-pretraining/{key}", "discriminator_logits", mf.tensor_from_json(again["discriminator_logits"]), rec["discriminator_logits"])
        assert again["grads"] == rec["grads"], f"electra-pretraining/{key}: grads differ after reload"
        # The recorded samples are the argmax the fixture claims (except row 0's first position).
        if with_mask:
            assert torch.equal(pt.fixed_samples(mf.tensor_from_json(rec["generator_logits"]), labels), sampled)
        else:
            argmax = mf.tensor_from_json(rec["generator_logits_at_masked"]).argmax(-1)
            assert torch.equal(argmax[1:], sampled[labels.ne(-100)][1:]), "no_attention_mask: samples are not the argmax"


def directory_size(directory):
    return sum(os.path.getsize(os.path.join(directory, n)) for n in os.listdir(directory))


def verify(out_dir):
    total = 0
    for variant in c.VARIANTS:
        verify_variant(out_dir, variant)
    verify_pretraining(out_dir)
    for name in [v[0] for v in c.VARIANTS] + ["electra-pretraining"]:
        directory = os.path.join(out_dir, name)
        size, ref_size = directory_size(directory), os.path.getsize(os.path.join(directory, "reference.json"))
        assert ref_size < REFERENCE_LIMIT, f"{name}/reference.json is {ref_size} bytes"
        total += size
        print(f"  verified {name:22s} {size / 1024:5.0f} KiB (reference.json {ref_size / 1024:4.0f} KiB), exact")
    print(f"  total {total / 1024:.0f} KiB")
    assert total < SIZE_LIMIT, f"{out_dir} is {total} bytes, over the {SIZE_LIMIT} byte budget"
