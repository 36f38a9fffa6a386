# Shared by the bench scripts (sourced). A free loopback UDP port whose next three are free too:
# SIPp's media port (-mp) with RTP echo also takes the port two up, and a fixed port collides with
# other SIPp runs on the machine.
free_port_block() {
  python3 -c '
import socket
while True:
    held = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM)]
    held[0].bind(("127.0.0.1", 0))
    p = held[0].getsockname()[1]
    try:
        for q in range(p + 1, p + 4):
            held.append(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            held[-1].bind(("127.0.0.1", q))
    except OSError:
        continue
    print(p)
    break'
}
