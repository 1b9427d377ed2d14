"""Drives gmux-emulator with Google's own Python client libraries, unmodified.

Usage: python google_client.py BASE_URL
Needs: google-api-python-client, google-auth, google-auth-oauthlib (see tests/it/pyclient.rs for the setup command).
Prints OK on success; any failure raises and exits non-zero.
"""

import json
import os
import sys
import urllib.parse
import urllib.request

# The emulator speaks plain HTTP on 127.0.0.1; oauthlib refuses that unless told it's fine.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

from google.oauth2.credentials import Credentials  # noqa: E402
from google.auth.transport.requests import Request  # noqa: E402
from google_auth_oauthlib.flow import Flow  # noqa: E402
from googleapiclient.discovery import build  # noqa: E402
from googleapiclient.errors import HttpError  # noqa: E402
from googleapiclient.http import BatchHttpRequest  # noqa: E402

BASE = sys.argv[1].rstrip("/")
SCOPES = [
    "https://www.googleapis.com/auth/gmail.modify",
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
]
ACCOUNT = "ada.lovelace@example.com"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def control(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{BASE}/_emulator/{path}", data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def code_flow():
    client_config = control("client_secret.json")
    flow = Flow.from_client_config(client_config, scopes=SCOPES, autogenerate_code_verifier=True)
    flow.redirect_uri = "http://127.0.0.1:8765/"
    auth_url, state = flow.authorization_url(access_type="offline", prompt="consent", login_hint=ACCOUNT)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(auth_url)
        raise AssertionError("authorize did not redirect")
    except urllib.error.HTTPError as e:
        assert e.code == 302, e.code
        location = e.headers["Location"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(location).query))
    assert query["state"] == state
    flow.fetch_token(code=query["code"])
    creds = flow.credentials
    assert creds.refresh_token.startswith("1//"), creds.refresh_token
    assert creds.id_token, "id_token expected with openid"
    return client_config["installed"], creds


def main():
    installed, creds = code_flow()
    gmail = build("gmail", "v1", credentials=creds, client_options={"api_endpoint": BASE + "/"}, static_discovery=True)

    profile = gmail.users().getProfile(userId="me").execute()
    assert profile["emailAddress"] == ACCOUNT, profile
    start = profile["historyId"]

    threads = gmail.users().threads().list(userId="me", labelIds=["INBOX"], maxResults=10).execute()
    assert len(threads["threads"]) == 10 and "nextPageToken" in threads, threads
    page2 = gmail.users().threads().list_next(gmail.users().threads().list(userId="me", labelIds=["INBOX"], maxResults=10), threads).execute()
    assert not {t["id"] for t in page2["threads"]} & {t["id"] for t in threads["threads"]}

    first = gmail.users().threads().get(userId="me", id=threads["threads"][0]["id"], format="metadata", metadataHeaders=["From", "Subject"]).execute()
    assert first["messages"][0]["payload"]["headers"], first

    # Batch: the library's own multipart encoder and parser, with one failing part.
    results = {}

    def collect(request_id, response, exception):
        results[request_id] = (response, exception)

    batch = BatchHttpRequest(callback=collect, batch_uri=BASE + "/batch")
    for t in threads["threads"][:5]:
        batch.add(gmail.users().threads().get(userId="me", id=t["id"], format="minimal"))
    batch.add(gmail.users().threads().get(userId="me", id="00000000000000ff"), request_id="missing")
    batch.execute()
    assert len(results) == 6, results
    assert isinstance(results["missing"][1], HttpError) and results["missing"][1].resp.status == 404
    assert sum(1 for r, e in results.values() if e is None and r["id"]) == 5

    # Modify, then see it in history.
    mid = first["messages"][0]["id"]
    modified = gmail.users().messages().modify(userId="me", id=mid, body={"addLabelIds": ["STARRED"]}).execute()
    assert "STARRED" in modified["labelIds"]
    history = gmail.users().history().list(userId="me", startHistoryId=start).execute()
    assert any(h.get("labelsAdded", [{}])[0].get("message", {}).get("id") == mid for h in history["history"]), history

    # A stale history id: HttpError 404, as with Google.
    try:
        gmail.users().history().list(userId="me", startHistoryId="1").execute()
        raise AssertionError("expected 404")
    except HttpError as e:
        assert e.resp.status == 404

    # Refresh flow: fresh credentials with only the refresh token; the library refreshes on its own.
    again = Credentials(None, refresh_token=creds.refresh_token, token_uri=installed["token_uri"],
                        client_id=installed["client_id"], client_secret=installed["client_secret"], scopes=SCOPES)
    again.refresh(Request())
    assert again.token.startswith("ya29.") and again.refresh_token == creds.refresh_token
    gmail2 = build("gmail", "v1", credentials=again, client_options={"api_endpoint": BASE + "/"}, static_discovery=True)
    assert gmail2.users().labels().get(userId="me", id="INBOX").execute()["id"] == "INBOX"
    counters = control("counters")
    assert counters["accounts"][ACCOUNT]["token_refreshes"] >= 1, counters
    print("OK")


if __name__ == "__main__":
    main()
