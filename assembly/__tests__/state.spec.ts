// core/state.ts: the socket states and the table of legal transitions that setState()
// checks in debug builds.
import { SocketState, isLegal } from "../core/state";

describe("socket(), bind(), listen()", () => {
  it("allows FREE -> UNBOUND (socket())", () => {
    expect(isLegal(SocketState.FREE, SocketState.UNBOUND)).toBe(true);
  });
  it("allows UNBOUND -> BOUND (bind()) and CLOSED -> BOUND (bind() after a failed connect)", () => {
    expect(isLegal(SocketState.UNBOUND, SocketState.BOUND)).toBe(true);
    expect(isLegal(SocketState.CLOSED, SocketState.BOUND)).toBe(true);
  });
  it("allows LISTEN from BOUND, UNBOUND (autobind) and CLOSED", () => {
    expect(isLegal(SocketState.BOUND, SocketState.LISTEN)).toBe(true);
    expect(isLegal(SocketState.UNBOUND, SocketState.LISTEN)).toBe(true);
    expect(isLegal(SocketState.CLOSED, SocketState.LISTEN)).toBe(true);
  });
  it("allows LISTEN -> BOUND or UNBOUND (shutdown(SHUT_RD) stops a Linux listener)", () => {
    expect(isLegal(SocketState.LISTEN, SocketState.BOUND)).toBe(true);
    expect(isLegal(SocketState.LISTEN, SocketState.UNBOUND)).toBe(true);
  });
});

describe("connect()", () => {
  it("allows SYN_SENT from UNBOUND, BOUND and CLOSED (a new attempt)", () => {
    expect(isLegal(SocketState.UNBOUND, SocketState.SYN_SENT)).toBe(true);
    expect(isLegal(SocketState.BOUND, SocketState.SYN_SENT)).toBe(true);
    expect(isLegal(SocketState.CLOSED, SocketState.SYN_SENT)).toBe(true);
  });
  it("allows SYN_SENT -> ESTABLISHED (SYN-ACK) and SYN_SENT -> CLOSED (reset, timeout)", () => {
    expect(isLegal(SocketState.SYN_SENT, SocketState.ESTABLISHED)).toBe(true);
    expect(isLegal(SocketState.SYN_SENT, SocketState.CLOSED)).toBe(true);
  });
  it("allows ESTABLISHED straight from UNBOUND, BOUND and CLOSED (UDP and AF_UNIX connect)", () => {
    expect(isLegal(SocketState.UNBOUND, SocketState.ESTABLISHED)).toBe(true);
    expect(isLegal(SocketState.BOUND, SocketState.ESTABLISHED)).toBe(true);
    expect(isLegal(SocketState.CLOSED, SocketState.ESTABLISHED)).toBe(true);
  });
});

describe("listener side", () => {
  it("allows FREE -> SYN_RECEIVED (a request) and SYN_RECEIVED -> ESTABLISHED (final ACK)", () => {
    expect(isLegal(SocketState.FREE, SocketState.SYN_RECEIVED)).toBe(true);
    expect(isLegal(SocketState.SYN_RECEIVED, SocketState.ESTABLISHED)).toBe(true);
  });
  it("allows FREE -> ESTABLISHED (a syncookie child or an AF_UNIX server socket)", () => {
    expect(isLegal(SocketState.FREE, SocketState.ESTABLISHED)).toBe(true);
  });
});

describe("teardown", () => {
  it("allows ESTABLISHED -> CLOSE_WAIT (FIN) and CLOSE_WAIT -> CLOSED (reset)", () => {
    expect(isLegal(SocketState.ESTABLISHED, SocketState.CLOSE_WAIT)).toBe(true);
    expect(isLegal(SocketState.CLOSE_WAIT, SocketState.CLOSED)).toBe(true);
  });
  it("allows ESTABLISHED -> CLOSED (reset)", () => {
    expect(isLegal(SocketState.ESTABLISHED, SocketState.CLOSED)).toBe(true);
  });
  it("allows every live state to be freed (close())", () => {
    let refused = 0;
    for (let s = SocketState.UNBOUND; s <= SocketState.TIME_WAIT; s++) {
      if (!isLegal(s, SocketState.FREE)) refused++;
    }
    expect(refused).toBe(0);
  });
  it("follows the RFC 793 closing states", () => {
    expect(isLegal(SocketState.ESTABLISHED, SocketState.FIN_WAIT_1)).toBe(true);
    expect(isLegal(SocketState.FIN_WAIT_1, SocketState.FIN_WAIT_2)).toBe(true);
    expect(isLegal(SocketState.FIN_WAIT_1, SocketState.CLOSING)).toBe(true);
    expect(isLegal(SocketState.FIN_WAIT_2, SocketState.TIME_WAIT)).toBe(true);
    expect(isLegal(SocketState.CLOSING, SocketState.TIME_WAIT)).toBe(true);
    expect(isLegal(SocketState.CLOSE_WAIT, SocketState.LAST_ACK)).toBe(true);
  });
});

describe("nonsense transitions", () => {
  it("refuses LISTEN -> ESTABLISHED (a listener never becomes a connection)", () => {
    expect(isLegal(SocketState.LISTEN, SocketState.ESTABLISHED)).toBe(false);
    expect(isLegal(SocketState.LISTEN, SocketState.SYN_SENT)).toBe(false);
    expect(isLegal(SocketState.LISTEN, SocketState.SYN_RECEIVED)).toBe(false);
  });
  it("refuses FREE -> LISTEN, BOUND, SYN_SENT and CLOSED (a free slot must be created first)", () => {
    expect(isLegal(SocketState.FREE, SocketState.LISTEN)).toBe(false);
    expect(isLegal(SocketState.FREE, SocketState.BOUND)).toBe(false);
    expect(isLegal(SocketState.FREE, SocketState.SYN_SENT)).toBe(false);
    expect(isLegal(SocketState.FREE, SocketState.CLOSED)).toBe(false);
  });
  it("refuses FREE -> FREE (a double free)", () => {
    expect(isLegal(SocketState.FREE, SocketState.FREE)).toBe(false);
  });
  it("refuses going back to LISTEN or SYN_SENT from a connection", () => {
    expect(isLegal(SocketState.ESTABLISHED, SocketState.LISTEN)).toBe(false);
    expect(isLegal(SocketState.ESTABLISHED, SocketState.SYN_SENT)).toBe(false);
    expect(isLegal(SocketState.SYN_RECEIVED, SocketState.LISTEN)).toBe(false);
    expect(isLegal(SocketState.CLOSE_WAIT, SocketState.ESTABLISHED)).toBe(false);
    expect(isLegal(SocketState.TIME_WAIT, SocketState.ESTABLISHED)).toBe(false);
  });
  it("refuses SYN_RECEIVED -> CLOSED (a request is freed, never kept closed)", () => {
    expect(isLegal(SocketState.SYN_RECEIVED, SocketState.CLOSED)).toBe(false);
  });
  it("refuses every self-transition (setState to the current state is a caller bug)", () => {
    let allowed = 0;
    for (let s = SocketState.FREE; s <= SocketState.TIME_WAIT; s++) if (isLegal(s, s)) allowed++;
    expect(allowed).toBe(0);
  });
  it("refuses a current state outside the enum", () => {
    expect(isLegal(<SocketState>14, SocketState.FREE)).toBe(false);
    expect(isLegal(<SocketState>255, SocketState.FREE)).toBe(false);
    expect(isLegal(<SocketState>-1, SocketState.FREE)).toBe(false);
  });
  it("refuses a target state just past the enum (14..31)", () => {
    let allowed = 0;
    for (let from = 0; from < 14; from++) {
      for (let to = 14; to < 32; to++) if (isLegal(<SocketState>from, <SocketState>to)) allowed++;
    }
    expect(allowed).toBe(0);
  });
});
