"""The system card on the web: linked from the system's page, served as a page styled under the content
security policy (a linked stylesheet, no inline style), as PDF and Markdown; an unknown system is a 404."""

from __future__ import annotations

from tests.web.conftest import ADMIN, Hub, client, sign_in

from openaims.register.services.systems import ComponentService


def test_the_system_page_links_its_card_and_the_card_shows_models_and_gaps(hub: Hub) -> None:
    system_id = hub.records["system"]
    with hub.db.session() as session:
        ComponentService(session, ADMIN).sync("github.com/acme/chat", [
            {"kind": "model", "name": "gpt-4o", "provider": "openai", "fingerprint": "model:gpt-4o"},
        ], system_id=system_id)  # fmt: skip
    viewer, _ = sign_in(hub.app, "vic")
    assert f'href="/card/{system_id}.html"' in viewer.get(f"/r/{system_id}").text
    page = viewer.get(f"/card/{system_id}.html")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<link rel="stylesheet" href="/card.css">' in html
    assert "<style" not in html
    assert "System card:" in html
    assert "gpt-4o" in html
    assert "openai" in html
    assert '<p class="gap">GAP: ' in html
    assert "style-src 'self'" in page.headers["content-security-policy"]
    css = client(hub.app).get("/card.css")
    assert css.status_code == 200
    assert ".gap" in css.text
    pdf = viewer.get(f"/card/{system_id}.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    markdown = viewer.get(f"/card/{system_id}.md")
    assert markdown.status_code == 200
    assert "gpt-4o" in markdown.text


def test_an_unknown_system_or_format_is_not_found_and_signing_in_is_required(hub: Hub) -> None:
    viewer, _ = sign_in(hub.app, "vic")
    assert viewer.get("/card/SYS-999999.html").status_code == 404
    assert viewer.get(f"/card/{hub.records['system']}.docx").status_code == 404
    anonymous = client(hub.app).get(f"/card/{hub.records['system']}.html")
    assert anonymous.status_code in (303, 401)


def test_the_toolkit_page_downloads_filled_templates_and_a_writer_files_one_as_a_draft(hub: Hub) -> None:
    import io

    from docx import Document as WordDocument

    from openaims.register.services import DocumentService, DocumentVersionService

    viewer, _ = sign_in(hub.app, "vic")
    assert 'href="/toolkit"' in viewer.get("/").text
    page = viewer.get("/toolkit").text
    assert "AI acceptable use policy for staff" in page
    assert 'href="/toolkit/ai-policy.docx"' in page
    assert "File as a draft document" not in page  # a viewer changes nothing
    word = viewer.get("/toolkit/system-register.docx")
    assert word.status_code == 200
    text = " ".join(p.text for p in WordDocument(io.BytesIO(word.content)).paragraphs)
    assert "AI system register extract" in text
    assert viewer.get("/toolkit/ai-policy.pdf").content.startswith(b"%PDF")
    assert "[TO COMPLETE:" in viewer.get("/toolkit/risk-method.md").text
    assert viewer.get("/toolkit/no-such-template.md").status_code == 404
    assert viewer.get("/toolkit/ai-policy.odt").status_code == 404
    carl, csrf = sign_in(hub.app, "carl")
    assert "File as a draft document" in carl.get("/toolkit").text
    assert carl.post("/toolkit/ai-policy/register", data={"csrf_token": "forged"}).status_code == 403
    response = carl.post("/toolkit/ai-policy/register", data={"csrf_token": csrf})
    assert response.status_code == 303
    doc_id = response.headers["location"].removeprefix("/r/")
    with hub.db.read() as session:
        doc = DocumentService(session, ADMIN).get(doc_id)
        (version,) = DocumentVersionService(session, ADMIN).all(document_id=doc_id)
    assert (doc.title, doc.kind) == ("AI policy", "policy")
    assert (version.status, version.author) == ("draft", "carl")
