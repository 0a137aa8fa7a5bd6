import { fdLookup } from "../core/fd_table";
import { Off, setU16, setU32 } from "../core/socket";
import { sk_bind, sk_check, sk_init, sk_listen, sk_scratch, sk_socket } from "../index";

function loopback(port: u32): usize {
  let a = sk_scratch() + 512;
  store<u16>(a, 2);
  store<u8>(a + 2, <u8>(port >> 8)); store<u8>(a + 3, <u8>port);
  store<u32>(a + 4, 0x0100007f);
  store<u64>(a + 8, 0);
  return a;
}

describe("sk_check", () => {
  beforeEach(() => { sk_init(0, 1); });

  it("passes on consistent tables", () => {
    let l = sk_socket(2, 1, 0);
    expect(sk_bind(l, loopback(8080), 16)).toBe(0);
    expect(sk_listen(l, 4)).toBe(0);
    expect(sk_check()).toBe(0);
  });

  it("finds a socket that forgot its descriptor", () => {
    let fd = sk_socket(2, 1, 0);
    setU32(<u32>fdLookup(fd), Off.FD, 77);
    expect(sk_check()).toBe(-2);
  });

  it("finds a bound socket whose port no longer matches its bind list", () => {
    let fd = sk_socket(2, 1, 0);
    expect(sk_bind(fd, loopback(8080), 16)).toBe(0);
    setU16(<u32>fdLookup(fd), Off.LPORT, 8081);
    expect(sk_check()).toBe(-18);
  });
});
