"""URL canonicalisation for story links (pure Python, no Beam).

`canonical_url` gives the form used for the `canonical_url` column and the url-based story key:
the same article reached through a share button, a newsletter or an RSS link maps to one string.
w3lib's `canonicalize_url` does the percent-encoding, query sorting and dot-segment work; this
module adds what it does not do: joining to a base, default-port removal, trailing-dot and
IDNA 2008 host normalisation, and dropping tracking parameters.

Tracking parameters dropped (names compared case-insensitively, after percent-decoding):

- any name starting with ``utm_`` (Google Analytics / everyone), ``mtm_`` (Matomo), ``hsa_``
  (HubSpot ads), ``at_custom`` (AT Internet custom fields);
- click ids: fbclid, gclid, gclsrc, dclid, gbraid, wbraid, msclkid, yclid, twclid, ttclid,
  li_fat_id, igshid, igsh, rb_clickid, s_kwcid, ef_id;
- mailing tools: mc_cid, mc_eid (Mailchimp), _hsenc, _hsmi, hsctatracking (HubSpot), mkt_tok
  (Marketo), vero_id, vero_conv, oly_enc_id, oly_anon_id;
- analytics cookies in links: _ga, _gl, _openstat;
- AT Internet / Piano (BBC and others): at_medium, at_campaign, at_campaign_type, at_link_id,
  at_link_origin, at_link_type, at_format, at_bbc_team, at_ptr_name, at_ptr_type,
  at_creation, at_emailtype, at_recipient_id, at_recipient_list, at_send_date; xtor (Xiti);
- comScore (BBC): ns_source, ns_mchannel, ns_campaign, ns_linkname, ns_fee;
- Piwik: pk_campaign, pk_kwd, pk_keyword, pk_source, pk_medium, pk_content, pk_cid;
- Webtrends: wt.mc_id, wt_mc_id, wt.mc_ev, wt_zmc;
- publishers' campaign ids: cmpid, cmp, intcmp (Guardian CMP/INTCMP), ocid (MSN), ncid (Yahoo),
  icid, itid (Washington Post), smid, smtyp (NYT share), soc_src, soc_trk (Hearst),
  sr_share, __twitter_impression, ref_src, ref_url (Twitter embeds), hootpostid;
- Facebook legacy: fb_action_ids, fb_action_types, fb_source, fb_ref;
- Yahoo consent redirects: guccounter, guce_referrer, guce_referrer_sig.

Deliberately kept: ``ref``, ``source``, ``from``, ``partner``, ``cid``, ``si``, ``share``:
on some sites they select content (``?ref=<branch>``, ``?cid=<article>``), so dropping them could
merge different pages.
"""
from __future__ import annotations

import re
from typing import Optional
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as _w3lib_canonicalize

try:  # IDNA 2008 / UTS 46, what browsers use; the stdlib codec is IDNA 2003 (faß -> fass)
    import idna as _idna
except ImportError:  # pragma: no cover - idna ships with requests/httpx
    _idna = None

__all__ = ["canonical_url", "is_http_url", "is_tracking_param", "TRACKING_PARAMS",
           "TRACKING_PREFIXES"]

TRACKING_PREFIXES = ("utm_", "mtm_", "hsa_", "at_custom")

TRACKING_PARAMS = frozenset(
    """
    fbclid gclid gclsrc dclid gbraid wbraid msclkid yclid twclid ttclid li_fat_id igshid igsh
    rb_clickid s_kwcid ef_id
    mc_cid mc_eid _hsenc _hsmi hsctatracking mkt_tok vero_id vero_conv oly_enc_id oly_anon_id
    _ga _gl _openstat
    at_medium at_campaign at_campaign_type at_link_id at_link_origin at_link_type at_format
    at_bbc_team at_ptr_name at_ptr_type at_creation at_emailtype at_recipient_id
    at_recipient_list at_send_date xtor
    ns_source ns_mchannel ns_campaign ns_linkname ns_fee
    pk_campaign pk_kwd pk_keyword pk_source pk_medium pk_content pk_cid
    wt.mc_id wt_mc_id wt.mc_ev wt_zmc
    cmpid cmp intcmp ocid ncid icid itid smid smtyp soc_src soc_trk sr_share
    __twitter_impression ref_src ref_url hootpostid
    fb_action_ids fb_action_types fb_source fb_ref
    guccounter guce_referrer guce_referrer_sig
    """.split()
)

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Tabs, newlines and other controls inside a URL are dropped (as browsers do).
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# Characters that cannot be in a host name: the input is garbage.
_BAD_HOST_RE = re.compile(r"[\s<>\"{}|\\^`]")


def is_tracking_param(name: str) -> bool:
    """True when a query-parameter name is a tracking parameter (case-insensitive)."""
    key = unquote_plus(name or "").strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _coerce(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def _ascii_host(host: str) -> Optional[str]:
    """Lower-case ASCII (punycode) form of a host name; None if it cannot be one."""
    host = host.lower().rstrip(".")
    if not host or _BAD_HOST_RE.search(host):
        return None
    if host.isascii():
        return host
    if _idna is not None:
        try:
            return _idna.encode(host, uts46=True, transitional=False).decode("ascii")
        except Exception:
            pass
        # idna rejects some labels browsers accept (emoji): encode those label by label
        labels = []
        for label in host.split("."):
            if label.isascii():
                labels.append(label)
                continue
            try:
                labels.append(_idna.encode(label, uts46=True).decode("ascii"))
            except Exception:
                try:
                    labels.append("xn--" + label.encode("punycode").decode("ascii"))
                except Exception:
                    return None
        return ".".join(labels)
    try:  # pragma: no cover - without the idna package
        return host.encode("idna").decode("ascii")
    except Exception:  # pragma: no cover
        return None


def _filter_query(query: str) -> str:
    if not query:
        return ""
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        if is_tracking_param(pair.split("=", 1)[0]):
            continue
        kept.append(pair)
    return "&".join(kept)


def _canonical(raw: str, base: Optional[str]) -> Optional[str]:
    s = _CONTROL_RE.sub("", raw)
    base_s = _CONTROL_RE.sub("", _coerce(base).strip()) if base else ""
    if base_s:
        s = urljoin(base_s, s)
    elif s.startswith("//"):
        s = "https:" + s  # protocol-relative link without a base: assume https
    parts = urlsplit(s)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return None
    netloc = parts.netloc
    userinfo, _, hostport = netloc.rpartition("@")
    hostname = parts.hostname  # lower-cased, IPv6 brackets removed
    if not hostname:
        return None
    port = parts.port  # raises ValueError on a non-numeric or out-of-range port
    if ":" in hostname:  # IPv6 literal
        host = "[" + hostname + "]"
    else:
        host = _ascii_host(hostname)
        if host is None:
            return None
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = "%s:%d" % (host, port)
    netloc = (userinfo + "@" + host) if userinfo else host
    path = parts.path or "/"
    query = _filter_query(parts.query)
    rebuilt = urlunsplit((scheme, netloc, path, query, ""))
    out = _w3lib_canonicalize(rebuilt, keep_blank_values=True, keep_fragments=False)
    if not out.lower().startswith(("http://", "https://")):
        return None
    return out


def canonical_url(url: str, base: str | None = None) -> str:
    """Canonical form of a story link.

    - relative URLs are joined to `base`; a protocol-relative "//host/x" without a base gets
      https;
    - only http(s) URLs are canonicalised: scheme and host lower-cased, host in IDNA 2008
      punycode (``bücher.de`` -> ``xn--bcher-kva.de``), trailing dot of the host removed,
      default ports (:80 for http, :443 for https) removed;
    - the fragment is dropped; tracking parameters (see the module docstring) are dropped;
      the remaining query parameters are sorted by name, then value (w3lib), blank values kept;
    - empty path -> "/"; dot segments resolved; percent-encoding normalised (non-ASCII and
      unsafe characters encoded, unreserved ones decoded, hex upper-cased); path case kept;
      http and https stay distinct.

    Returns "" for None/empty input. Never raises: anything that is not an http(s) URL with a
    valid host and port (mailto:, javascript:, a relative path without base, "http://",
    "http://host:abc/") is returned stripped, unchanged.
    """
    try:
        raw = _coerce(url).strip()
    except Exception:
        return ""
    if not raw:
        return ""
    try:
        return _canonical(raw, base) or raw
    except Exception:
        return raw


def is_http_url(url: str) -> bool:
    """True for an absolute http(s) URL with a usable host (and a valid port, if any)."""
    try:
        s = _CONTROL_RE.sub("", _coerce(url).strip())
        parts = urlsplit(s)
        if parts.scheme.lower() not in _DEFAULT_PORTS:
            return False
        host = parts.hostname
        if not host or _BAD_HOST_RE.search(host):
            return False
        parts.port  # noqa: B018 - raises ValueError on a bad port
        return True
    except Exception:
        return False
