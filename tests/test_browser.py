"""The web app in a real browser: headless Chromium (Debian's chromium and chromium-driver) driven
by Selenium against a real uvicorn server. Nothing is downloaded: the driver's path is given, so
Selenium Manager never runs, and axe-core (the accessibility checker) is vendored in tests/vendor.

The expected answers come from the law (shared/domain/send-dispute-routes.md), not from the code.
Set REDRESS_SCREENSHOTS=DIR to save the screenshots the docs use (docs/screenshots).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote

import pytest

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
if not (CHROMIUM.exists() and DRIVER.exists()):
    pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver; .ci/run does it)",
                allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SHOTS = os.environ.get("REDRESS_SCREENSHOTS")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path_factory.mktemp("server") / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "redress.frontends.web:app_factory", "--factory",
                             "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start; see " + log.name) from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager look for a driver online
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1100,1300", "--lang=en-GB"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


# ---------------------------------------------------------------------- what a user does


def _replaced(old: WebElement) -> bool:
    """Whether the page holding ``old`` has been replaced. Chromedriver reports a node of a page
    being replaced either as stale or, in a race, as "does not belong to the document" (a plain
    WebDriverException, which ``EC.staleness_of`` lets through and fails the test on)."""
    try:
        old.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as err:
        if "does not belong to the document" in str(err):
            return True
        raise
    return False


class User:
    """A policy officer at the keyboard: clicks counted, as the issue's "under ten clicks" asks."""

    def __init__(self, browser: WebDriver, base: str):
        self.b, self.base, self.clicks = browser, base, 0

    def click(self, element: WebElement) -> None:
        self.clicks += 1
        element.click()

    def go(self, element: WebElement) -> None:
        """Click something that loads a page, and wait for the new one."""
        old = self.b.find_element(By.TAG_NAME, "html")
        self.click(element)
        WebDriverWait(self.b, 90).until(lambda _: _replaced(old))
        WebDriverWait(self.b, 30).until(EC.presence_of_element_located((By.TAG_NAME, "h1")))

    def start(self, path: str = "/", authority: str | None = None, shot: str | None = None) -> None:
        self.b.get(self.base + path)
        if shot:
            self.shot(shot)
        if authority:
            from selenium.webdriver.support.ui import Select

            Select(self.b.find_element(By.ID, "authority")).select_by_visible_text(authority)
            self.clicks += 1
        self.go(self.b.find_element(By.CSS_SELECTOR, "button.button-start"))

    def heading(self) -> str:
        return str(self.b.find_element(By.TAG_NAME, "h1").text)

    def choose(self, *labels: str) -> None:
        """Tick the radio or checkboxes with these labels, then Continue."""
        for label in labels:
            self.click(self.b.find_element(By.XPATH, f"//label[normalize-space()={json.dumps(label)}]"))
        self.next()

    def date(self, day: int, month: int, year: int, happened: bool | None = None) -> None:
        if happened:
            self.click(self.b.find_element(By.XPATH, "//label[normalize-space()='Yes, on this date:']"))
        for part, value in (("day", day), ("month", month), ("year", year)):
            box = self.b.find_element(By.CSS_SELECTOR, f"input[id$='-{part}']")
            box.clear()
            box.send_keys(str(value))
        self.next()

    def not_happened(self) -> None:
        self.click(self.b.find_element(By.CSS_SELECTOR, "input[id$='-none']"))
        self.next()

    def next(self) -> None:
        self.go(self.b.find_element(By.XPATH, "//button[normalize-space()='Continue']"))

    def answer(self, facts: dict[str, Any]) -> list[str]:
        """Answer each question the interview asks from ``facts`` (a label, a list of labels, a
        (day, month, year) date, or None for "has not happened"); at the first question whose
        field is not in ``facts``, ask for the answer so far. Returns the fields asked."""
        asked = []
        while self.b.find_elements(By.CSS_SELECTOR, "input[name=field]"):
            field = self.b.find_element(By.CSS_SELECTOR, "input[name=field]").get_attribute("value")
            if field not in facts:
                self.see_answer()
                break
            asked.append(field)
            value = facts[field]
            if value is None:
                self.not_happened()
            elif isinstance(value, tuple):
                self.date(*value, happened=bool(self.b.find_elements(By.CSS_SELECTOR, "input[id$='-which']")))
            elif isinstance(value, list):
                self.choose(*value)
            else:
                self.choose(value)
        return asked

    def see_answer(self) -> None:
        self.go(self.b.find_element(By.LINK_TEXT, "See the answer so far"))

    def answers(self) -> dict[str, str]:
        rows = self.b.find_elements(By.CSS_SELECTOR, "dl.answers .summary-row")
        return {r.find_element(By.CSS_SELECTOR, "dt").text: r.find_element(By.CSS_SELECTOR, ".summary-value").text
                for r in rows}

    def open_citation(self, provision: str) -> None:
        """Follow a citation link in the why-tree and check it lands on that provision's page."""
        link = next(a for a in self.b.find_elements(By.CSS_SELECTOR, "a.cite")
                    if a.get_attribute("textContent") == provision)
        self.b.execute_script("arguments[0].scrollIntoView(); arguments[0].closest('details').open = true;"
                              "for (let d = arguments[0].closest('details'); d; d = d.parentElement.closest('details'))"
                              " d.open = true;", link)
        self.go(link)
        WebDriverWait(self.b, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, "blockquote.law-text")))
        assert unquote(self.b.current_url).endswith("/provisions/" + provision)
        assert self.b.find_element(By.CSS_SELECTOR, ".caption-l").text == provision

    def shot(self, name: str, element: WebElement | None = None) -> None:
        if not SHOTS:
            return
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        height = self.b.execute_script("return document.body.scrollHeight")
        self.b.set_window_size(1100, min(int(height) + 120, 2600))
        (element or self.b.find_element(By.TAG_NAME, "body")).screenshot(str(Path(SHOTS) / f"{name}.png"))
        self.b.set_window_size(1100, 1300)


def axe(browser: WebDriver) -> list[dict[str, Any]]:
    """axe-core's WCAG 2 A/AA violations on the current page (every <details> opened first)."""
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true);")
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',"
        " 'best-practice']}}).then(r => done(r.violations.map(v => ({id: v.id, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.html)})))).catch(e => done([{id: 'axe-error', help: String(e)}]));")
    return list(result)


@pytest.fixture()
def user(browser: WebDriver, base: str) -> User:
    browser.delete_all_cookies()
    browser.set_script_timeout(60)
    return User(browser, base)


# ---------------------------------------------------------------------- the interviews of the issue


def test_refusal_to_assess_can_be_appealed_with_mediation_and_dates(user: User) -> None:
    # CFA 2014 s.51(2)(a): a refusal to assess is appealable; s.52-53: mediation is available;
    # HESC r.20(1)(c): the later of 2 months after notice (12 May 2025) and 1 month after the
    # certificate (1 May 2025); 12 May 2025 is a Monday, a working day.
    user.start(shot="start")
    assert user.heading() == "What did the local authority (or school) decide or do?"
    user.shot("question")
    asked = user.answer({"decision.kind": "Refused to carry out an EHC needs assessment",
                         "decision.sent": (12, 3, 2025), "mediation.certificate_issued": (1, 4, 2025)})
    assert asked[:2] == ["decision.kind", "decision.sent"]
    assert user.heading() == "Yes — the family can appeal to the First-tier Tribunal (SEND)"
    answers = user.answers()
    assert "Monday 12 May 2025" in answers["Latest date the Tribunal must receive the appeal"]
    ways = user.b.find_element(By.XPATH, "//h2[.='Ways forward']/following-sibling::ul[1]").text
    assert "Mediation" in ways and "Appeal to the First-tier Tribunal (SEND)" in ways
    assert user.clicks < 10
    user.open_citation("CFA 2014 s.51(2)(a)")


def test_finalised_plan_disputing_only_the_named_school_needs_no_mediation_advice(user: User) -> None:
    # CFA 2014 s.55 (and CoP 11.21): no certificate is needed when the appeal is only about the
    # school or institution named in section I; the deadline is then 2 months after notice.
    user.start()
    asked = user.answer({"decision.kind": "Finalised a first EHC plan",
                         "appeal.grounds": ["Section I: the school or college named"],
                         "decision.sent": (12, 3, 2025), "mediation.certificate_issued": None})
    assert "appeal.grounds" in asked
    assert user.heading() == "Yes — the family can appeal to the First-tier Tribunal (SEND)"
    answers = user.answers()
    assert "No — the family does not need a mediation certificate before appealing" in answers[
        "Must they get mediation advice (a certificate) before appealing?"]
    assert "Monday 12 May 2025" in answers["Latest date the Tribunal must receive the appeal"]
    assert user.clicks < 10
    user.open_citation("CFA 2014 s.55")


def test_health_only_mediation_is_arranged_by_the_health_commissioner(user: User) -> None:
    # CFA 2014 s.53 and SEND Regs 2014 reg 37: when mediation is only about the health care
    # elements, the commissioning body arranges it (not the local authority, s.54).
    user.start("/interview/mediation_arranged_by")
    asked = user.answer({"decision.kind": "Finalised a first EHC plan",
                         "appeal.grounds": ["Section F: special educational provision", "Section G: health provision"],
                         "mediation.issues": ["Health"]})
    assert "mediation.issues" in asked
    assert user.heading() == "Mediation is arranged by the health commissioner (the NHS body responsible)"
    assert user.clicks < 10
    user.open_citation("CFA 2014 s.53")


def test_a_deadline_over_christmas_moves_to_the_first_working_day_after_1_january(user: User) -> None:
    # 2 months after 31 October 2025 is 31 December; HESC r.12(3) moves an SEN deadline falling
    # from 25 December to 1 January to the first working day after 1 January: Friday 2 January 2026.
    user.start()
    user.answer({"decision.kind": "Refused to carry out an EHC needs assessment", "decision.sent": (31, 10, 2025),
                 "mediation.certificate_issued": (20, 11, 2025)})
    assert "Friday 2 January 2026" in user.answers()["Latest date the Tribunal must receive the appeal"]
    timeline = user.b.find_element(By.CSS_SELECTOR, "figure.timeline svg")
    assert "25 December to 1 January" in timeline.get_attribute("innerHTML")
    assert "Appeal deadline: 2 Jan 2026" in timeline.find_element(By.TAG_NAME, "desc").get_attribute("textContent")
    user.shot("result")
    user.shot("timeline", user.b.find_element(By.CSS_SELECTOR, "figure.timeline"))
    assert user.clicks < 10
    user.open_citation("HESC Rules r.12(3)")


def test_an_academys_sen_support_without_a_plan_is_a_school_complaint_not_an_appeal(user: User) -> None:
    # CFA 2014 s.51: only the local authority's decisions listed are appealable; a school's SEN
    # support for a pupil without a plan goes to the school's complaints procedure (CoP 11.67).
    user.start()
    asked = user.answer({"decision.kind": "A school's SEN support for a pupil without an EHC plan",
                         "disagreement.counterparty": "An academy or free school"})
    assert asked == ["decision.kind", "disagreement.counterparty"]  # the field most open routes wait on
    assert user.heading() == "No — this cannot be appealed to the First-tier Tribunal (SEND)"
    ways = user.b.find_element(By.XPATH, "//h2[.='Ways forward']/following-sibling::ul[1]").text
    assert "Complaint to the school (its complaints procedure)" in ways
    assert "Appeal to the First-tier Tribunal (SEND)" not in ways
    assert user.clicks < 10
    user.open_citation("CoP 11.67")


# ---------------------------------------------------------------------- back, change, errors, keyboard


def test_back_and_change_keep_the_facts_and_ask_again(user: User) -> None:
    user.start()
    user.choose("Refused to carry out an EHC needs assessment")
    user.go(user.b.find_element(By.LINK_TEXT, "Back"))
    assert user.heading() == "What did the local authority (or school) decide or do?"
    chosen = user.b.find_element(By.CSS_SELECTOR, "input[type=radio]:checked")
    assert chosen.get_attribute("value") == "refuse_assessment"
    user.choose("Decided to stop maintaining the EHC plan")
    summary = user.b.find_element(By.CSS_SELECTOR, "dl.summary-list").text
    assert "Decided to stop maintaining the EHC plan" in summary
    user.go(user.b.find_element(By.PARTIAL_LINK_TEXT, "Change"))
    assert user.heading() == "What did the local authority (or school) decide or do?"


def test_bad_input_shows_the_error_on_the_page(user: User) -> None:
    user.start()
    user.next()  # nothing chosen
    assert user.b.find_element(By.CSS_SELECTOR, ".error-summary").text.startswith("There is a problem")
    assert "Select an option" in user.b.find_element(By.CSS_SELECTOR, ".error-message").text
    assert user.b.title.startswith("Error:")
    assert axe(user.b) == []
    user.choose("Refused to carry out an EHC needs assessment")
    user.date(31, 2, 2025)
    assert "real date" in user.b.find_element(By.CSS_SELECTOR, ".error-message").text
    assert user.b.find_element(By.CSS_SELECTOR, "input[id$='-day']").get_attribute("value") == "31"


def test_a_question_can_be_answered_with_the_keyboard_alone(user: User) -> None:
    user.b.get(user.base + "/")
    body = user.b.find_element(By.TAG_NAME, "body")
    for _ in range(12):  # tab to the start button and press it
        body = user.b.switch_to.active_element
        if body.text.startswith("Start now"):
            break
        body.send_keys(Keys.TAB)
    user.b.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(user.b, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, "input[type=radio]")))
    active = user.b.switch_to.active_element
    for _ in range(20):
        if active.get_attribute("type") == "radio":
            break
        active.send_keys(Keys.TAB)
        active = user.b.switch_to.active_element
    active.send_keys(Keys.SPACE)
    active.send_keys(Keys.ENTER)  # Enter in a radio group submits the form
    WebDriverWait(user.b, 20).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "written notice"))


# ---------------------------------------------------------------------- accessibility, browser, docs


@pytest.mark.parametrize("path", [
    "/", "/interview/routes/next?facts=%7B%7D",
    "/interview/routes/next?facts=" + json.dumps({"decision.kind": "plan_finalised"}),
    "/interview/routes/next?facts=" + json.dumps({"decision.kind": "refuse_assessment"}),
    "/interview/routes/next?facts=" + json.dumps({"decision.kind": "refuse_assessment", "decision.sent": "2025-10-31"}),
    "/interview/routes/result?facts=" + json.dumps({"authority": "camden", "decision.kind": "refuse_assessment",
                                                    "decision.sent": "2025-10-31",
                                                    "mediation.certificate_issued": "2025-11-20"}),
    "/interview/routes/result?facts=" + json.dumps({"decision.kind": "refuse_assessment"}) + "&print=1",
    "/provisions", "/provisions?q=11.1", "/provisions/CoP 11.13", "/questions", "/interview/nope",
])
def test_pages_pass_the_accessibility_check(browser: WebDriver, base: str, path: str) -> None:
    browser.get(base + path)
    assert axe(browser) == []
    levels = [int(h.tag_name[1]) for h in browser.find_elements(By.CSS_SELECTOR, "h1, h2, h3, h4")]
    assert levels and levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels  # headings in order, none skipped


def test_provision_browser_answers_html_to_the_browser(browser: WebDriver, base: str) -> None:
    browser.get(base + "/provisions")
    search = browser.find_element(By.ID, "q")
    search.send_keys("CoP 11.13", Keys.ENTER)
    WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, "blockquote.law-text")))
    assert unquote(browser.current_url).endswith("/provisions/CoP 11.13")
    headings = [h.text for h in browser.find_elements(By.TAG_NAME, "h2")]
    assert "Rules citing it" in headings and "Scenario tests that exercise it" in headings
    assert browser.find_elements(By.CSS_SELECTOR, "pre.rule")


def test_api_docs_work_offline(browser: WebDriver, base: str) -> None:
    browser.get(base + "/docs")
    WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".swagger-ui .info .title")))
    assert "redress" in browser.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title").text
    WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".opblock-summary-path")))
    paths = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert "/ask" in paths
    scripts = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert scripts and all(str(s).startswith(base) for s in scripts), scripts  # nothing from a CDN
