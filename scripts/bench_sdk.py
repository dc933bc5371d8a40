"""Microsoft's Python SDK (azure-storage-file-share) doing the benchmark's transfers, as a
peer for azfx: managed identity through the emulator's IMDS, backup intent, the
emulator's CA. Prints seconds for the operation asked.

    python bench_sdk.py ACCOUNT_URL CA SHARE MODE CONCURRENCY ARGS...
    modes: up LOCAL REMOTE | down REMOTE LOCAL | up-many LOCAL_DIR REMOTE_DIR |
           down-many REMOTE_DIR LOCAL_DIR | delete-many REMOTE_DIR
"""

import concurrent.futures
import os
import sys
import time

from azure.identity import ManagedIdentityCredential
from azure.storage.fileshare import ShareClient

account_url, ca, share_name, mode, concurrency = sys.argv[1:6]
args = sys.argv[6:]
concurrency = int(concurrency)
share = ShareClient(
    account_url, share_name, credential=ManagedIdentityCredential(), token_intent="backup", connection_verify=ca
)

started = time.monotonic()
if mode == "up":
    with open(args[0], "rb") as data:
        share.get_file_client(args[1]).upload_file(data, max_concurrency=concurrency)
elif mode == "down":
    with open(args[1], "wb") as out:
        share.get_file_client(args[0]).download_file(max_concurrency=concurrency).readinto(out)
elif mode == "up-many":
    names = sorted(os.listdir(args[0]))
    share.get_directory_client(args[1]).create_directory()

    def up(name):
        with open(os.path.join(args[0], name), "rb") as data:
            share.get_file_client(f"{args[1]}/{name}").upload_file(data)

    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(up, names))
elif mode == "down-many":
    os.makedirs(args[1], exist_ok=True)
    names = [item["name"] for item in share.get_directory_client(args[0]).list_directories_and_files()]

    def down(name):
        with open(os.path.join(args[1], name), "wb") as out:
            share.get_file_client(f"{args[0]}/{name}").download_file().readinto(out)

    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(down, names))
elif mode == "delete-many":
    names = [item["name"] for item in share.get_directory_client(args[0]).list_directories_and_files()]
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda name: share.get_file_client(f"{args[0]}/{name}").delete_file(), names))
    share.get_directory_client(args[0]).delete_directory()
else:
    sys.exit(f"unknown mode {mode}")
print(f"{time.monotonic() - started:.3f}")
