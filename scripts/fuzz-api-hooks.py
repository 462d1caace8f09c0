"""schemathesis hooks for scripts/fuzz-api.sh.

In the stateful phase schemathesis follows each resource from the `POST` that
created it to the operations that use it, and reports a `404` there as a lost
resource (ST302). A generated `Idempotency-Key` repeats often (hypothesis draws
short strings), and a repeated key rightly replays the first answer, naming a
resource that may have been deleted since. Real clients use a fresh key per
logical request, so in that phase each call gets a fresh key. The coverage and
fuzzing phases keep the generated keys: repeated, conflicting and malformed.
"""

import uuid

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    meta = getattr(case, "meta", None)
    phase = getattr(getattr(meta, "phase", None), "name", None)
    if phase == "stateful" and case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
