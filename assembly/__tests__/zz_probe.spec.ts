import { sk_init, sk_socket, sk_close, sk_bind, sk_connect, sk_getsockname, sk_scratch } from "../index";
import { setDefaults, setTunable, tunable, Tunable, Personality } from "../personality";
describe("probe", () => {
  it("udp disconnect", () => {
    sk_init(0, 1);
    let sc = sk_scratch();
    let a = sc + 512;
    let fd = sk_socket(2, 2, 0);
    store<u16>(a, 2); store<u16>(a + 2, bswap<u16>(9)); store<u32>(a + 4, 0x0100007f); store<u64>(a + 8, 0);
    log<i32>(sk_connect(fd, a, 16));
    store<i32>(sc + 600, 16);
    log<i32>(sk_getsockname(fd, sc + 640, sc + 600));
    let port = bswap<u16>(load<u16>(sc + 642));
    log<i32>(port);
    store<u16>(a, 0);
    log<i32>(sk_connect(fd, a, 16));
    let fd2 = sk_socket(2, 2, 0);
    store<u16>(a, 2); store<u16>(a + 2, bswap<u16>(port)); store<u32>(a + 4, 0x0100007f);
    log<i32>(sk_bind(fd2, a, 16));
  });
  it("range", () => {
    setDefaults(Personality.Linux);
    log<i32>(setTunable(Tunable.IpLocalPortRangeLow, 61000));
    log<i32>(setTunable(Tunable.IpLocalPortRangeHigh, 62000));
    log<i64>(tunable(Tunable.IpLocalPortRangeLow));
    log<i64>(tunable(Tunable.IpLocalPortRangeHigh));
  });
  it("close 0", () => {
    sk_init(0, 1);
    log<i32>(sk_close(0));
    log<i32>(sk_socket(2, 1, 0));
  });
});
