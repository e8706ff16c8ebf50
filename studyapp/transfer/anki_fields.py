"""Anki field HTML as the plain text our cards hold: line breaks kept, media as visible
markers (`[image: chat.png]`, `[audio: tone.mp3]`) so that a field holding only a picture
or a sound is not empty, other tags dropped, entities decoded. Shared by the .apkg and the
plain-text imports."""

from __future__ import annotations

import html
import re

# Spaces inside a tag match one way only: `\s*/?\s*` was quadratic on `<br` and no `>`.
_BREAK = re.compile(r"<\s*br\s*(?:/\s*)?>|<\s*/\s*(?:div|p|li)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")


def html_to_text(cell: str) -> str:
    """Anki field HTML as plain text: line breaks kept, an image as `[image: name]` (an
    image-only field is not empty), other tags dropped, entities decoded."""
    if "<" not in cell and "&" not in cell and "\n" not in cell:  # plain text: the same
        return cell.replace("\xa0", " ").strip()  # result, without a hundred thousand regexes
    text = _IMAGE.sub(
        lambda m: f"[image: {html.unescape(next(g for g in m.groups() if g is not None))}]", cell
    )
    text = _BREAK.sub("\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text).replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_SOUND = re.compile(r"\[sound:([^\]]*)\]")
_IMAGE = re.compile(r"""<img\b[^<>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^<>]*>""", re.I)


def field_text(text: str, as_html: bool) -> str:
    """A field as text, with sounds (and, from HTML, images) as visible markers."""
    text = _SOUND.sub(lambda m: f"[audio: {m.group(1)}]", text)
    return html_to_text(text) if as_html else text.strip()
