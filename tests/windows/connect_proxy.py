"""A minimal HTTPS proxy (HTTP CONNECT tunnels) for the Windows checks: prints its port,
then appends each request line ("CONNECT host:port HTTP/1.1") to the file named by the
first argument, so a test can see that azfx.exe went through the proxy Windows names in
its Internet Settings. A second argument SUFFIX=HOST:PORT sends tunnels to names ending in
SUFFIX there instead (as a corporate proxy resolves `*.file.core.windows.net` for a
machine that cannot), so a request that arrives proves it came through the proxy."""

import socket
import sys
import threading


def pipe(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def handle(client, log):
    head = b""
    while b"\r\n\r\n" not in head:
        data = client.recv(4096)
        if not data:
            client.close()
            return
        head += data
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    with open(log, "a", encoding="utf-8") as out:
        out.write(line + "\n")
    method, target, _ = line.split(" ", 2)
    if method != "CONNECT":
        client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    host, port = target.rsplit(":", 1)
    if len(sys.argv) > 2:
        suffix, mapped = sys.argv[2].split("=", 1)
        if host.endswith(suffix):
            host, port = mapped.rsplit(":", 1)
    upstream = socket.create_connection((host, int(port)))
    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
    pipe(upstream, client)


def main():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    print(server.getsockname()[1], flush=True)
    while True:
        client, _ = server.accept()
        threading.Thread(target=handle, args=(client, sys.argv[1]), daemon=True).start()


if __name__ == "__main__":
    main()
