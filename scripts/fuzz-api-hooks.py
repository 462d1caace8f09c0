"""schemathesis hooks for scripts/fuzz-api.sh.

In the stateful phase schemathesis follows each resource from the `POST` that
created it to the operations that use it, and reports a `404` there as a lost
resource (ST302). A generated `Idempotency-Key` repeats often (hypothesis draws
short strings), and a repeated key rightly replays the first answer, naming a
resource that may have been deleted since. Real clients use a fresh key per
logical request, so in that phase each call gets a fresh key. The coverage and
fuzzing phases keep the generated keys: repeated, conflicting and malformed.

The run's own token (its id in `FUZZ_OWN_TOKEN_ID`) is listed by `GET
/api/v1/tokens`, and following that list to `DELETE /api/v1/tokens/{id}` would
revoke it part-way, leaving every later case a `401`. Such a call is sent for a
token of another user instead (`FUZZ_OTHER_TOKEN_ID`), which must be a `404`.

The run uses two worker threads, and hypothesis parses Python source with
`ast.parse` while it builds strategies and prints examples. CPython 3.11 keeps
the AST constructor's recursion depth in state shared by all threads, so two
parses at once can fail with "SystemError: AST constructor recursion depth
mismatch" (python/cpython#106905), a crash of the fuzzer, not a finding about
the API. Parses here take turns.
"""

import ast
import os
import threading
import uuid

import schemathesis

_parse_turn = threading.RLock()
_ast_parse = ast.parse


def _parse_in_turn(*args, **kwargs):
    with _parse_turn:
        return _ast_parse(*args, **kwargs)


ast.parse = _parse_in_turn


@schemathesis.hook
def before_call(context, case, kwargs):
    meta = getattr(case, "meta", None)
    phase = getattr(getattr(meta, "phase", None), "name", None)
    if phase == "stateful" and case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
    own = os.environ.get("FUZZ_OWN_TOKEN_ID")
    params = case.path_parameters or {}
    if (
        own
        and str(case.method).upper() == "DELETE"
        and case.path == "/api/v1/tokens/{id}"
        and str(params.get("id")) == own
    ):
        params["id"] = int(os.environ.get("FUZZ_OTHER_TOKEN_ID", "1"))
