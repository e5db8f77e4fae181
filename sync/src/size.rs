//! What sync types weigh on the wire.

/// Bytes of a value's compact JSON, without building the string.
pub(crate) fn json_len<T: serde::Serialize + ?Sized>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Only the writer could fail, and it does not; map keys here are strings.
    serde_json::to_writer(&mut count, value).expect("JSON of a sync type");
    count.0
}
