"""The flow: raw files → processed tables → indicators → one report per territory → index; the command line."""

import sys

# nbformat (imported to write a kept notebook, and by the Dask client) imports jsonschema, which builds at import the
# Lark parsers of the optional ``rfc3987_syntax`` IRI checker: 1,4 s per process here, for a format no notebook
# schema uses (python-jsonschema/jsonschema#1428). Marked absent in the processes that run the flow, as if not
# installed; papermill and nbconvert, which JupyterLab users run themselves, still pay it.
sys.modules.setdefault("rfc3987_syntax", None)
