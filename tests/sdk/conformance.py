"""Microsoft's own Python SDK against the azfx emulator, unchanged.

Run by tests/integration/sdk_conformance.rs, which starts the emulator and passes its
endpoints through the environment. Prints one line per check and `N passed, N failed`;
exits non-zero if any check failed.
"""

import hashlib
import os
import sys
import time
import traceback
from datetime import datetime, timedelta, timezone

from azure.core.credentials import AccessToken, AzureNamedKeyCredential
from azure.core.exceptions import HttpResponseError
from azure.identity import ManagedIdentityCredential
from azure.storage.fileshare import (
    AccountSasPermissions,
    ResourceTypes,
    ShareSasPermissions,
    ShareServiceClient,
    generate_account_sas,
    generate_share_sas,
)

ACCOUNT_URL = os.environ["AZFX_ACCOUNT_URL"]
CA = os.environ["AZFX_CA"]
SCOPE = "https://storage.azure.com/.default"
SHARE = "sdkshare"

results = []


def check(name):
    def run(fn):
        try:
            fn()
            results.append(True)
            print(f"ok   {name}")
        except Exception:  # noqa: BLE001 - report every failure and go on
            results.append(False)
            print(f"FAIL {name}")
            traceback.print_exc(file=sys.stdout)
        return fn

    return run


def service(credential, **kwargs):
    return ShareServiceClient(ACCOUNT_URL, credential=credential, token_intent="backup", connection_verify=CA, **kwargs)


def expect_error(fn, code, status):
    try:
        fn()
    except HttpResponseError as error:
        assert error.error_code == code, f"expected {code}, got {error.error_code}"
        assert error.status_code == status, f"expected {status}, got {error.status_code}"
        return
    raise AssertionError(f"expected {code}, the call succeeded")


class StaticToken:
    """A credential that always returns one token (to present an expired one)."""

    def __init__(self, token):
        self.token = token

    def get_token(self, *scopes, **kwargs):
        return self.token


def drop_intent(request):
    """Removes the intent header: what a client built without token_intent would send."""
    request.http_request.headers.pop("x-ms-file-request-intent", None)


vm = ManagedIdentityCredential()
svc = service(vm)
share = svc.get_share_client(SHARE)
payload = os.urandom(10 * 1024 * 1024 + 123)


@check("ManagedIdentityCredential gets a JWT from the emulated IMDS")
def _():
    token = vm.get_token(SCOPE)
    assert token.token.count(".") == 2
    assert token.expires_on > time.time() + 60


@check("list shares (share-level call with a token, version >= 2024-11-04)")
def _():
    names = [s.name for s in svc.list_shares()]
    assert SHARE in names, names


@check("create and delete a share")
def _():
    svc.create_share("sdk-temp-share")
    assert "sdk-temp-share" in [s.name for s in svc.list_shares()]
    svc.delete_share("sdk-temp-share")


@check("create directories")
def _():
    share.create_directory("sdkdir")
    share.get_directory_client("sdkdir").create_subdirectory("sub")
    props = share.get_directory_client("sdkdir").get_directory_properties()
    assert props.is_directory


@check("upload a 10 MiB file in 4 MiB ranges, in parallel")
def _():
    file = share.get_file_client("sdkdir/big.bin")
    file.upload_file(payload, max_concurrency=4)
    props = file.get_file_properties()
    assert props.size == len(payload), props.size


@check("list the directory")
def _():
    entries = {e["name"]: e for e in share.get_directory_client("sdkdir").list_directories_and_files()}
    assert set(entries) == {"big.bin", "sub"}, entries
    assert entries["big.bin"]["size"] == len(payload)
    assert entries["sub"]["is_directory"]


@check("download whole and ranged, bytes compared")
def _():
    file = share.get_file_client("sdkdir/big.bin")
    data = file.download_file(max_concurrency=4).readall()
    assert hashlib.sha256(data).digest() == hashlib.sha256(payload).digest()
    part = file.download_file(offset=5 * 1024 * 1024, length=1000).readall()
    assert part == payload[5 * 1024 * 1024 : 5 * 1024 * 1024 + 1000]


@check("rename a file")
def _():
    file = share.get_file_client("sdkdir/big.bin")
    renamed = file.rename_file("sdkdir/renamed.bin")
    assert renamed.get_file_properties().size == len(payload)
    expect_error(lambda: file.get_file_properties(), "ResourceNotFound", 404)


@check("server-side copy within the account (start_copy_from_url), status polled")
def _():
    source = share.get_file_client("sdkdir/renamed.bin")
    copy = share.get_file_client("sdkdir/sub/copy.bin")
    started = copy.start_copy_from_url(source.url)
    assert started["copy_status"] in ("success", "pending"), started
    props = copy.get_file_properties()
    assert props.copy.status == "success", props.copy
    assert props.copy.id == started["copy_id"]
    assert props.size == len(payload)
    data = copy.download_file(max_concurrency=4).readall()
    assert hashlib.sha256(data).digest() == hashlib.sha256(payload).digest()
    expect_error(lambda: copy.abort_copy(started["copy_id"]), "NoPendingCopyOperation", 409)
    missing = share.get_file_client("sdkdir/sub/missing-copy.bin")
    expect_error(lambda: missing.start_copy_from_url(source.url + "-gone"), "CannotVerifyCopySource", 404)
    copy.delete_file()


@check("delete file and directories")
def _():
    share.get_file_client("sdkdir/renamed.bin").delete_file()
    share.get_directory_client("sdkdir/sub").delete_directory()
    share.delete_directory("sdkdir")
    expect_error(lambda: share.get_directory_client("sdkdir").get_directory_properties(), "ResourceNotFound", 404)


@check("no intent header: 400 MissingRequiredHeader")
def _():
    client = service(vm, raw_request_hook=drop_intent).get_share_client(SHARE)
    expect_error(lambda: list(client.list_directories_and_files()), "MissingRequiredHeader", 400)


@check("expired token: 401 InvalidAuthenticationInfo")
def _():
    short = ManagedIdentityCredential(client_id=os.environ["AZFX_SHORT_CLIENT_ID"])
    token = short.get_token(SCOPE)
    time.sleep(max(0.0, token.expires_on - time.time()) + 1.5)
    client = service(StaticToken(AccessToken(token.token, token.expires_on))).get_share_client(SHARE)
    expect_error(lambda: list(client.list_directories_and_files()), "InvalidAuthenticationInfo", 401)


@check("identity without a role: 403 AuthorizationPermissionMismatch")
def _():
    cred = ManagedIdentityCredential(client_id=os.environ["AZFX_NOROLE_CLIENT_ID"])
    client = service(cred).get_share_client(SHARE)
    expect_error(lambda: list(client.list_directories_and_files()), "AuthorizationPermissionMismatch", 403)


@check("reader may read but not write: 403 AuthorizationPermissionMismatch")
def _():
    cred = ManagedIdentityCredential(client_id=os.environ["AZFX_READER_CLIENT_ID"])
    client = service(cred).get_share_client(SHARE)
    list(client.list_directories_and_files())
    expect_error(lambda: client.create_directory("reader-dir"), "AuthorizationPermissionMismatch", 403)


@check("Shared Key: the SDK's signature is accepted, without the intent header")
def _():
    key = AzureNamedKeyCredential("sdkacct", os.environ["AZFX_ACCOUNT_KEY"])
    client = ShareServiceClient(ACCOUNT_URL, credential=key, connection_verify=CA).get_share_client(SHARE)
    client.get_file_client("by-key.txt").upload_file(b"signed with the account key")
    assert client.get_file_client("by-key.txt").download_file().readall() == b"signed with the account key"
    client.get_file_client("by-key.txt").delete_file()


@check("SAS: share and account SAS made by the SDK are accepted; a read-only SAS cannot write")
def _():
    key = os.environ["AZFX_ACCOUNT_KEY"]
    expiry = datetime.now(timezone.utc) + timedelta(hours=1)
    read_only = generate_share_sas("sdkacct", SHARE, key, permission=ShareSasPermissions(read=True, list=True), expiry=expiry)
    client = ShareServiceClient(ACCOUNT_URL, credential=read_only, connection_verify=CA).get_share_client(SHARE)
    list(client.list_directories_and_files())
    expect_error(lambda: client.create_directory("sas-dir"), "AuthorizationPermissionMismatch", 403)
    full = generate_account_sas(
        "sdkacct",
        key,
        resource_types=ResourceTypes(service=True, container=True, object=True),
        permission=AccountSasPermissions(read=True, write=True, list=True, create=True, delete=True),
        expiry=expiry,
    )
    by_account_sas = ShareServiceClient(ACCOUNT_URL, credential=full, connection_verify=CA)
    assert SHARE in [s.name for s in by_account_sas.list_shares()]
    file = by_account_sas.get_share_client(SHARE).get_file_client("sas.txt")
    file.upload_file(b"written with an account SAS")
    assert file.download_file().readall() == b"written with an account SAS"
    file.delete_file()


passed = sum(results)
failed = len(results) - passed
print(f"sdk conformance: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
