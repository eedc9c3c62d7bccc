"""The bench's search words come from the loaded text: one per band of how common they are."""

from bench import search_terms


def test_the_bench_chooses_frequent_words_one_per_band_from_the_text():
    texts = ["希望消委会帮助协调。"] * 100  # a closing formula every case holds is never chosen
    texts = [
        text + ("商家拒绝。" if i < 40 else "") + ("电池鼓包" if i < 10 else "") + ("发霉" if i < 3 else "")
        for i, text in enumerate(texts)
    ]
    texts[0] += "退款质量问题"  # the fixed words and their characters are left to them
    chosen = search_terms.choose(texts)
    assert [c["word"] for c in chosen] == ["商家拒绝", "电池鼓包", "发霉"]
    assert [c["share"] for c in chosen] == [0.4, 0.1, 0.03]
