import { sk_init, sk_socket, sk_close } from "../index";
describe("probe", () => {
  it("close 0", () => {
    sk_init(0, 42);
    expect(sk_close(0)).toBe(0);
    expect(sk_socket(2, 1, 0)).toBe(0);
  });
  it("assert active", () => { assert(false, "asserts on"); });
});
