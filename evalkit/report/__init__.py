"""Reports of one result, for people and for CI.

- `evalkit.report.html`: the self-contained HTML report (`write_html(result, out)`).
- `evalkit.report.markdown`: the Markdown summary for CI logs (`summary_markdown(result)`).
- `evalkit.report.junit`: JUnit XML, one testcase per case × metric (`write_junit(result, out)`).
- `evalkit.report.diffview`: text / Markdown / JSON renderings of `evalkit.compare.diff.Diff`.

This package's `__init__` imports nothing, so importing one renderer stays cheap.
"""

__all__: list[str] = []
