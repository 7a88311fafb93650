"""The local backend drives transformers' GGUF runtime on a tiny GGUF file written here.

No small chat model installs cleanly from PyPI with a clear licence (ADR 0020), so the test
writes a one-layer Llama with random weights and a byte-level vocabulary with the ``gguf``
package: the file format, loader, chat template, generation, streaming and usage are real;
the words are noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from shoplens.errors import InputError
from shoplens.llm import Message

gguf = pytest.importorskip("gguf")


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory):
    path = tmp_path_factory.mktemp("gguf") / "tiny.gguf"
    vocab = ["<s>", "</s>"] + [chr(c) for c in range(33, 127)] + ["Ġ"]
    V, D, F = len(vocab), 32, 64
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_context_length(128)
    w.add_embedding_length(D)
    w.add_block_count(1)
    w.add_feed_forward_length(F)
    w.add_head_count(2)
    w.add_head_count_kv(2)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(V)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("default")
    w.add_token_list(vocab)
    w.add_token_types([1] * V)
    w.add_token_scores([0.0] * V)
    w.add_token_merges([])
    w.add_bos_token_id(0)
    w.add_eos_token_id(1)
    w.add_chat_template("{% for m in messages %}{{ m['content'] }}{% endfor %}")
    rng = np.random.default_rng(0)

    def tensor(name, *shape):
        w.add_tensor(name, (rng.standard_normal(shape) * 0.1).astype(np.float32))

    tensor("token_embd.weight", V, D)
    w.add_tensor("blk.0.attn_norm.weight", np.ones(D, np.float32))
    for part in ("attn_q", "attn_k", "attn_v", "attn_output"):
        tensor(f"blk.0.{part}.weight", D, D)
    w.add_tensor("blk.0.ffn_norm.weight", np.ones(D, np.float32))
    tensor("blk.0.ffn_gate.weight", F, D)
    tensor("blk.0.ffn_up.weight", F, D)
    tensor("blk.0.ffn_down.weight", D, F)
    w.add_tensor("output_norm.weight", np.ones(D, np.float32))
    tensor("output.weight", V, D)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def test_generation_streaming_and_usage_agree(tiny_gguf):
    from shoplens.llm.local import LocalGGUFBackend

    b = LocalGGUFBackend(tiny_gguf, max_new_tokens=6)
    msgs = [Message("system", "rules"), Message("user", "hello")]
    first = b.complete(msgs)
    assert first.usage.completion_tokens == 6 and first.usage.prompt_tokens == len("ruleshello")
    assert b.complete(msgs).text == first.text  # greedy: the same answer twice
    streamed = "".join(b.stream(msgs))
    assert streamed.strip() == first.text
    assert b.meter.calls == 3 and b.meter.total.completion_tokens >= 12


def test_missing_file_is_a_user_error(tmp_path):
    from shoplens.llm.local import LocalGGUFBackend

    with pytest.raises(InputError, match="SHOPLENS_LLM_GGUF_PATH"):
        LocalGGUFBackend(tmp_path / "none.gguf")
