"""What a family can rely on while an appeal deadline waits only on the mediation certificate.

HESC Rules r.20(1)(c): the Tribunal must receive the appeal by the later of 2 months after notice
of the decision was sent and 1 month after the mediation certificate was issued. Until the
certificate's date is known the deadline is undetermined, but one limb is already fixed: an appeal
received within 2 months of the notice (as r.12 adjusts it) is in time however the certificate
falls. That date is computed by the rules themselves, on the same facts with a certificate issued
no later than the decision (so the later of the two limbs is the first), never re-derived here.
"""

from __future__ import annotations

from dataclasses import dataclass

from redress.api import Answer, KnowledgeBase
from redress.kb.schema import Case

__all__ = ["CertificateWait", "certificate_wait"]

CERTIFICATE = "mediation.certificate_issued"


@dataclass(frozen=True)
class CertificateWait:
    in_time_by: Answer  # the deadline that holds however the certificate falls, with its proof
    rule: str = "2 months after the decision, or 1 month after the certificate if later"
    cites: str = "HESC Rules r.20(1)(c)"

    def to_dict(self) -> dict[str, object]:
        return {"field": CERTIFICATE, "rule": self.rule, "cites": self.cites,
                "in_time_if_received_by": self.in_time_by.to_dict()["answer"]}

    def lines(self) -> list[str]:
        return [f"waiting on: {CERTIFICATE}; the deadline is {self.rule} ({self.cites})",
                f"  in time however the certificate falls: received by {self.in_time_by.to_dict()['answer']} "
                "(2 months after notice of the decision, as HESC Rules r.12 adjusts it); if 1 month after the "
                "certificate is later, that is the deadline"]


def certificate_wait(kb: KnowledgeBase, case: Case, answer: Answer) -> CertificateWait | None:
    """For an appeal deadline undetermined only for want of the certificate's date, the date
    that holds whatever it is; else None."""
    sent = case.get("decision.sent")
    if answer.question != "appeal_deadline" or answer.status != "undetermined" or answer.missing != (CERTIFICATE,) \
            or sent is None:
        return None
    floor = kb.ask("appeal_deadline", Case(case.id, {**case.values, CERTIFICATE: sent}, case.as_of_defaulted))
    return CertificateWait(floor) if floor.status == "determined" and floor.answer is not None else None
