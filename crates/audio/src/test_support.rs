//! Helpers for unit tests: a minimal Ogg page parser.

/// One Ogg page, as far as the tests look at it.
pub struct Page {
    pub flags: u8,
    pub granule: u64,
    pub body: Vec<u8>,
}

/// Splits a byte stream into Ogg pages (panics on anything malformed).
pub fn ogg_pages(mut bytes: &[u8]) -> Vec<Page> {
    let mut pages = Vec::new();
    while !bytes.is_empty() {
        assert_eq!(&bytes[..4], b"OggS", "page capture pattern");
        let flags = bytes[5];
        let granule = u64::from_le_bytes(bytes[6..14].try_into().unwrap());
        let segments = bytes[26] as usize;
        let body_len: usize = bytes[27..27 + segments].iter().map(|&l| l as usize).sum();
        let start = 27 + segments;
        pages.push(Page {
            flags,
            granule,
            body: bytes[start..start + body_len].to_vec(),
        });
        bytes = &bytes[start + body_len..];
    }
    pages
}
