"""The image corpus: generator reports drawn as 图片版 pictures at test/bench time (nothing committed)."""
