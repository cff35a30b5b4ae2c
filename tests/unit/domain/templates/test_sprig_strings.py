"""sprig string, list and dict functions in the corners Go users notice."""

from __future__ import annotations

import pytest
import sprig_cases

from kes.domain.templates import errors


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param(
            '{{ title "hello-world foo_bar x.y" }}', "Hello-World Foo_bar X.Y", id="title"
        ),
        pytest.param('{{ untitle "ABC Def" }}', "aBC def", id="untitle"),
        pytest.param('{{ snakecase "HTTPServer" }}', "http_server", id="snake-acronym"),
        pytest.param('{{ snakecase "fooBarBaz" }}', "foo_bar_baz", id="snake-camel"),
        pytest.param('{{ snakecase "NoHTTPS" }}', "no_https", id="snake-trailing-acronym"),
        pytest.param('{{ snakecase "GO-PATH" }}', "go_path", id="snake-upper-hyphen"),
        pytest.param('{{ kebabcase "GO_PATH" }}', "go-path", id="kebab-underscore"),
        pytest.param('{{ snakecase "foo bar-baz" }}', "foo_bar_baz", id="snake-separators"),
        pytest.param('{{ kebabcase "FooBar" }}', "foo-bar", id="kebab"),
        pytest.param('{{ camelcase "_foo_bar" }}', "_FooBar", id="camel-leading-underscore"),
        pytest.param('{{ camelcase "foo__bar" }}', "Foo_Bar", id="camel-double-underscore"),
        pytest.param('{{ swapcase "aBc D" }}', "AbC d", id="swapcase"),
        pytest.param('{{ initials "  first  second" }}', "fs", id="initials-spaces"),
        # goutils.DeleteWhiteSpace works on bytes: 0xA0 (the second byte of U+00A0) goes, and
        # once anything is removed the other bytes come back as Latin-1 runes.
        pytest.param('{{ nospace "a\\u00a0b c" }}', "a\u00c2bc", id="nospace-nbsp-bytes"),
        pytest.param('{{ nospace "a é" }}', "a\u00c3\u00a9", id="nospace-mojibake"),
        pytest.param('{{ nospace "é\\u2003" }}', "é\u2003", id="nospace-untouched"),
        pytest.param('{{ nospace "a\\tb\\nc\\vd\\fe\\rf g" }}', "abcdefg", id="nospace-ascii"),
        pytest.param('{{ trim "\\t x \\n" }}', "x", id="trim"),
        pytest.param('{{ trimAll "ab" "abxba" }}', "x", id="trimall-cutset"),
        pytest.param('{{ substr 0 2 "héllo" }}', "h\ufffd", id="substr-bytes"),
        pytest.param('{{ substr -1 2 "hello" }}', "he", id="substr-negative-start"),
        pytest.param('{{ substr 2 -1 "hello" }}', "llo", id="substr-open-end"),
        pytest.param('{{ trunc 10 "abc" }}', "abc", id="trunc-short"),
        pytest.param('{{ abbrev 3 "hello" }}', "hello", id="abbrev-too-narrow"),
        pytest.param('{{ abbrevboth 0 8 "hello world" }}', "hello...", id="abbrevboth-left"),
        pytest.param('{{ wrap 3 "abcdef gh" }}', "abcdef\ngh", id="wrap-long-word"),
        pytest.param('{{ wrapWith 4 "|" "ab cd ef" }}', "ab|cd|ef", id="wrapwith"),
        pytest.param('{{ indent 2 "" }}', "  ", id="indent-empty"),
        pytest.param('{{ replace "" "-" "ab" }}', "-a-b-", id="replace-empty-old"),
        pytest.param('{{ plural "one" "many" 1 }}', "one", id="plural-one"),
        pytest.param('{{ quote "é\\t" 1 nil }}', '"é\\t" "1"', id="quote-go-escapes"),
        pytest.param("{{ squote nil }}", "", id="squote-nil"),
        pytest.param('{{ cat "a" (list 1 2) 2.5 }}', "a [1 2] 2.5", id="cat-v"),
        pytest.param('{{ repeat 0 "x" }}', "", id="repeat-zero"),
        pytest.param('{{ splitList "" "abc" }}', "[a b c]", id="split-empty-sep"),
        pytest.param('{{ splitn "," 0 "a,b" }}', "map[]", id="splitn-zero"),
        pytest.param('{{ splitList "," "a,b" | typeOf }}', "[]string", id="splitlist-type"),
        pytest.param('{{ join "-" (list 1 nil "a") }}', "1-a", id="join-drops-nil"),
        pytest.param('{{ join "-" "single" }}', "single", id="join-scalar"),
        pytest.param('{{ sortAlpha (list "b" 10 "a" 9) }}', "[10 9 a b]", id="sortalpha-strings"),
        pytest.param("{{ toString 1.5 }}", "1.5", id="tostring-float"),
        pytest.param("{{ toString nil }}", "<nil>", id="tostring-nil"),
        pytest.param('{{ b64dec "!!" }}', "illegal base64 data at input byte 0", id="b64dec-bad"),
        pytest.param('{{ b32dec "NBU" }}', "illegal base32 data at input byte 0", id="b32dec-bad"),
        pytest.param('{{ base "/" }}', "/", id="base-root"),
        pytest.param('{{ base "" }}', ".", id="base-empty"),
        pytest.param('{{ dir "a" }}', ".", id="dir-relative"),
        pytest.param('{{ clean "/../a" }}', "/a", id="clean-rooted-dotdot"),
        pytest.param('{{ clean "../../a" }}', "../../a", id="clean-relative-dotdot"),
        pytest.param('{{ ext "a.b/c" }}', "", id="ext-dir-dot"),
    ],
)
def test_string_functions(template: str, expected: str) -> None:
    assert sprig_cases.render(template) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("{{ has 1 (list 1.0 1) }}", "true", id="has-typed"),
        pytest.param('{{ has 1 (list "1") }}', "false", id="has-type-sensitive"),
        pytest.param("{{ has 1 nil }}", "false", id="has-nil"),
        pytest.param("{{ uniq (list 1 1 (list 2) (list 2)) }}", "[1 [2]]", id="uniq-deep"),
        pytest.param("{{ without (list 1 2 3 2) 2 3 }}", "[1]", id="without-many"),
        # sprig v2.22 returns a nil []interface{}: fmt prints [], encoding/json null.
        pytest.param("{{ rest (list) }}", "[]", id="rest-empty"),
        pytest.param("{{ initial (list) }}", "[]", id="initial-empty"),
        pytest.param("{{ rest (list) | toJson }}", "null", id="rest-empty-json"),
        pytest.param(
            '{{ printf "%#v" (initial (list)) }}', "[]interface {}(nil)", id="initial-gosyntax"
        ),
        pytest.param("{{ reverse (list) }}", "[]", id="reverse-empty"),
        pytest.param("{{ compact (list 0 false nil (list) (dict) 1) }}", "[1]", id="compact-zeros"),
        pytest.param("{{ slice (list 1 2 3) }}", "[1 2 3]", id="slice-no-index"),
        pytest.param("{{ until -3 }}", "[0 -1 -2]", id="until-negative"),
        pytest.param("{{ untilStep 0 10 4 }}", "[0 4 8]", id="untilstep"),
        pytest.param("{{ untilStep 0 10 0 }}", "[]", id="untilstep-zero-step"),
        pytest.param("{{ first .Bytes }}", "104", id="first-of-bytes"),
        pytest.param("{{ deepEqual .I 3 }}", "false", id="deepequal-int64-vs-int"),
        pytest.param(
            '{{ deepEqual (dict "a" (list 1)) (dict "a" (list 1)) }}', "true", id="deepequal-nested"
        ),
        pytest.param(
            '{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $d }}',
            "map[a:1 b:2]",
            id="set-mutates",
        ),
        pytest.param(
            '{{ merge (dict "a" (dict "x" 1)) (dict "a" (dict "y" 2)) }}',
            "map[a:map[x:1 y:2]]",
            id="merge-deep",
        ),
        pytest.param(
            '{{ merge (dict "a" "") (dict "a" "filled") }}', "map[a:filled]", id="merge-fills-empty"
        ),
        pytest.param(
            '{{ mergeOverwrite (dict "a" 1) (dict "a" "") }}',
            "map[a:]",
            id="overwrite-takes-empty",
        ),
        pytest.param('{{ keys (dict "b" 1) (dict "a" 2) }}', "[b a]", id="keys-per-dict-sorted"),
        pytest.param(
            '{{ $c := deepCopy .M }}{{ $_ := set $c "z" 1 }}{{ .M }}',
            "map[a:1 b:x]",
            id="deepcopy-independent",
        ),
        pytest.param("{{ dict 1 2 | toJson }}", '{"1":2}', id="dict-key-strval"),
        pytest.param("{{ ternary 1 2 false }}", "2", id="ternary-false"),
        pytest.param(
            '{{ urlParse "mailto:a@b.c" | toJson }}',
            '{"fragment":"","host":"","hostname":"","opaque":"a@b.c","path":"",'
            '"query":"","scheme":"mailto","userinfo":""}',
            id="urlparse-opaque",
        ),
        pytest.param(
            '{{ (urlParse "https://u:p@h:8/a%20b?q#f").path }}',
            "/a b",
            id="urlparse-unescapes-path",
        ),
        pytest.param(
            '{{ (urlParse "http://MyHost.Example:80/").hostname }}',
            "MyHost.Example",
            id="urlparse-hostname-keeps-case",
        ),
        pytest.param(
            '{{ (urlParse "http://[::1]:8080/x").hostname }}', "::1", id="urlparse-ipv6-hostname"
        ),
        pytest.param(
            '{{ urlJoin (dict "path" "/a!(b)" "fragment" "x y!") }}',
            "/a%21%28b%29#x%20y!",
            id="urljoin-go-escape-sets",
        ),
        pytest.param(
            '{{ urlJoin (dict "scheme" "s3" "host" "b" "path" "p q") }}',
            "s3://b/p%20q",
            id="urljoin-escapes",
        ),
    ],
)
def test_list_and_dict_functions(template: str, expected: str) -> None:
    assert sprig_cases.render(template) == expected


def test_url_parse_errors_do_not_echo_the_url() -> None:
    params = sprig_cases.PARAMS | {"U": "https://user:hunter2@host/\x7f"}
    with pytest.raises(errors.TemplateError) as caught:
        sprig_cases.render("{{ urlParse .U }}", params)
    assert "hunter2" not in str(caught.value)
    assert "invalid control character" in str(caught.value)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param('{{ upper "straße" }}', "STRAßE", id="upper-sharp-s-stays"),
        pytest.param('{{ lower "ΟΔΟΣ" }}', "οδοσ", id="lower-no-final-sigma"),
        pytest.param('{{ lower "İ" }}', "i", id="lower-dotted-i"),
        pytest.param('{{ title "ǆemal ßx" }}', "ǅemal ßx", id="title-titlecase-rune"),
        pytest.param('{{ swapcase "ßA" }}', "ßa", id="swapcase-sharp-s"),
    ],
)
def test_case_mapping_is_rune_by_rune_as_in_go(template: str, expected: str) -> None:
    assert sprig_cases.render(template) == expected


def test_url_join_refuses_non_string_parts_as_sprig() -> None:
    with pytest.raises(errors.TemplateError, match="unable to parse host key, must be of type"):
        sprig_cases.render('{{ urlJoin (dict "host" 5) }}')
