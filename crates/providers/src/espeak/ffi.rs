//! The only unsafe code for libespeak-ng: a minimal hand-written binding over the few
//! functions of `speak_lib.h` (API revision 12, Debian's 1.51) that the engine needs.
//!
//! The library is opened at run time (dlopen) rather than linked, so a machine without
//! `libespeak-ng1` still runs the gateway: [`Espeak::initialize`] fails, and the registry
//! leaves espeak (and Piper, which phonemizes with it) out with a logged reason.
//!
//! libespeak-ng keeps all its state in globals and is not thread-safe. [`Espeak`] is
//! therefore a process-wide singleton (a second `initialize` fails while one is alive) and
//! is neither `Send` nor `Sync`: the thread that creates it is the only one that can call
//! the library. That thread is [`super::engine`].

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_short, c_uint, c_void, CStr, CString};
use std::marker::PhantomData;
use std::path::Path;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};

/// Sonames tried in order; Debian's runtime package ships only the first.
const LIBRARY_NAMES: [&str; 2] = ["libespeak-ng.so.1", "libespeak-ng.so"];

const AUDIO_OUTPUT_SYNCHRONOUS: c_int = 2;
const INITIALIZE_DONT_EXIT: c_int = 0x8000;
const CHARS_UTF8: c_uint = 1;
const ENDPAUSE: c_uint = 0x1000;
/// `espeakPHONEMES`: `[[…]]` in the text holds phoneme mnemonics.
const PHONEMES: c_uint = 0x100;
const POS_CHARACTER: c_int = 1;
const PHONEMES_IPA: c_int = 0x02;
const EE_OK: c_int = 0;

/// `espeak_PARAMETER` values the engine sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// Words per minute, 80–450 (175 normal).
    Rate = 1,
    /// Base pitch, 0–100 (50 normal).
    Pitch = 3,
}

/// `espeak_VOICE` from speak_lib.h.
#[repr(C)]
struct RawVoice {
    name: *const c_char,
    languages: *const c_char,
    identifier: *const c_char,
    gender: u8,
    age: u8,
    variant: u8,
    xx1: u8,
    score: c_int,
    spare: *mut c_void,
}

type SynthCallback = extern "C" fn(*mut c_short, c_int, *const RawEvent) -> c_int;

/// `espeak_EVENT` from speak_lib.h. `id` is a union of an int, a pointer and 8 chars.
#[repr(C)]
struct RawEvent {
    kind: c_int,
    unique_identifier: c_uint,
    text_position: c_int,
    length: c_int,
    audio_position: c_int,
    sample: c_int,
    user_data: *mut c_void,
    id: u64,
}

const EVENT_LIST_TERMINATED: c_int = 0;
const EVENT_WORD: c_int = 1;
const EVENT_END: c_int = 5;

/// What espeak reports along with the audio of one callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A word starts at `sample` (counted from the start of this synthesis); it is the
    /// word at character `char_position` (0-based) of the text.
    Word { char_position: usize, sample: u64 },
    /// A clause or sentence ends at `sample`.
    End { sample: u64 },
}

/// One voice as `espeak_ListVoices` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoiceInfo {
    pub name: String,
    /// `(priority, language)` pairs, most preferred first (lower priority number).
    pub languages: Vec<(u8, String)>,
    /// File name under `espeak-ng-data/lang`, e.g. `gmw/en-US`; accepted by `set_voice`.
    pub identifier: String,
    /// 0 = unknown, 1 = male, 2 = female.
    pub gender: u8,
}

/// How a call to [`Espeak::synthesize`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SynthEnd {
    Finished,
    /// The sink returned `false`; the library stopped synthesis early.
    Aborted,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum EspeakError {
    #[error("cannot load libespeak-ng ({0}); install Debian's libespeak-ng1")]
    Load(String),
    #[error("libespeak-ng is already initialised in this process")]
    AlreadyInitialized,
    #[error("espeak_Initialize failed: espeak-ng-data not found ({0})")]
    Initialize(String),
    #[error("{call} failed with code {code}")]
    Call { call: &'static str, code: i32 },
    #[error("text contains a NUL byte")]
    Nul,
}

/// Function pointers resolved from the library.
struct Api {
    initialize: unsafe extern "C" fn(c_int, c_int, *const c_char, c_int) -> c_int,
    set_synth_callback: unsafe extern "C" fn(SynthCallback),
    synth: unsafe extern "C" fn(
        *const c_void,
        usize,
        c_uint,
        c_int,
        c_uint,
        c_uint,
        *mut c_uint,
        *mut c_void,
    ) -> c_int,
    set_parameter: unsafe extern "C" fn(c_int, c_int, c_int) -> c_int,
    set_voice_by_name: unsafe extern "C" fn(*const c_char) -> c_int,
    list_voices: unsafe extern "C" fn(*mut RawVoice) -> *const *const RawVoice,
    text_to_phonemes: unsafe extern "C" fn(*mut *const c_void, c_int, c_int) -> *const c_char,
    terminate: unsafe extern "C" fn() -> c_int,
    info: unsafe extern "C" fn(*mut *const c_char) -> *const c_char,
}

static ALIVE: AtomicBool = AtomicBool::new(false);

/// The closure audio goes to, with its lifetime erased (see `Espeak::synthesize`).
type SinkPtr = NonNull<dyn FnMut(&[i16], &[Event]) -> bool>;

thread_local! {
    /// The sink of the synthesis running on this thread. Set only for the duration of
    /// `espeak_Synth`, which in SYNCHRONOUS mode calls the callback on the calling thread.
    static SINK: Cell<Option<SinkPtr>> = const { Cell::new(None) };
}

/// The initialised library. Not `Send`/`Sync` (see the module docs).
pub struct Espeak {
    api: Api,
    sample_rate: u32,
    // Dropped after `api` is no longer used (fields drop in declaration order).
    _lib: libloading::Library,
    _single_thread: PhantomData<*const ()>,
}

impl Espeak {
    /// Opens the library and initialises it in SYNCHRONOUS mode with `buffer_ms`
    /// callback buffers. `data_path` is the directory holding `espeak-ng-data` (or that
    /// directory itself); `None` uses the library's compiled-in default.
    pub fn initialize(data_path: Option<&Path>, buffer_ms: u32) -> Result<Self, EspeakError> {
        if ALIVE.swap(true, Ordering::SeqCst) {
            return Err(EspeakError::AlreadyInitialized);
        }
        let result = Self::open(data_path, buffer_ms);
        if result.is_err() {
            ALIVE.store(false, Ordering::SeqCst);
        }
        result
    }

    fn open(data_path: Option<&Path>, buffer_ms: u32) -> Result<Self, EspeakError> {
        // The library silently falls back to its default data for a path that does not
        // exist; a configured path must mean that path.
        if let Some(p) = data_path.filter(|p| !p.is_dir()) {
            return Err(EspeakError::Initialize(format!(
                "{} is not a directory",
                p.display()
            )));
        }
        let mut errors = Vec::new();
        let mut lib = None;
        for name in LIBRARY_NAMES {
            // SAFETY: loading libespeak-ng runs only its ELF constructors, which have no
            // preconditions; no other code in this process loads it concurrently because
            // `ALIVE` admits one caller at a time.
            match unsafe { libloading::Library::new(name) } {
                Ok(l) => {
                    lib = Some(l);
                    break;
                }
                Err(e) => errors.push(e.to_string()),
            }
        }
        let lib = lib.ok_or_else(|| EspeakError::Load(errors.join("; ")))?;
        let api = load_api(&lib)?;
        let path = data_path.map(|p| {
            // The library wants the parent of `espeak-ng-data`.
            let p = if p.ends_with("espeak-ng-data") {
                p.parent().unwrap_or(p)
            } else {
                p
            };
            CString::new(p.as_os_str().as_encoded_bytes()).map_err(|_| EspeakError::Nul)
        });
        let path = path.transpose()?;
        let path_ptr = path.as_ref().map_or(std::ptr::null(), |p| p.as_ptr());
        // SAFETY: `path_ptr` is null or a NUL-terminated string alive for the call;
        // DONT_EXIT makes a missing data directory an error return instead of exit(1).
        let rate = unsafe {
            (api.initialize)(
                AUDIO_OUTPUT_SYNCHRONOUS,
                buffer_ms as c_int,
                path_ptr,
                INITIALIZE_DONT_EXIT,
            )
        };
        if rate <= 0 {
            let shown = data_path.map_or("default path".into(), |p| p.display().to_string());
            return Err(EspeakError::Initialize(shown));
        }
        // SAFETY: `synth_callback` has the C signature espeak expects and never unwinds.
        unsafe { (api.set_synth_callback)(synth_callback) };
        Ok(Self {
            api,
            sample_rate: rate as u32,
            _lib: lib,
            _single_thread: PhantomData,
        })
    }

    /// The rate of the audio [`Espeak::synthesize`] delivers (22050 Hz with stock data).
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The library's version, e.g. `1.51`, and its data directory: what decides its
    /// audio besides the request.
    pub fn version(&self) -> String {
        let mut data: *const c_char = std::ptr::null();
        // SAFETY: espeak_Info returns a pointer to a static NUL-terminated version string
        // and stores a pointer to its static data path in `data`; both stay valid while
        // the library is loaded, which `self` guarantees.
        let version = unsafe { (self.api.info)(&mut data) };
        format!("{} {}", lossy(version), lossy(data))
    }

    /// Every voice (language) the data directory provides, variants and MBROLA excluded.
    pub fn list_voices(&mut self) -> Vec<VoiceInfo> {
        // SAFETY: a null spec lists all voices; the library returns a null-terminated
        // array of pointers to voices it owns, valid until the next ListVoices call, and
        // we copy everything out before returning.
        let list = unsafe { (self.api.list_voices)(std::ptr::null_mut()) };
        let mut out = Vec::new();
        if list.is_null() {
            return out;
        }
        for i in 0.. {
            // SAFETY: the array is null-terminated, and `i` stops at the terminator.
            let v = unsafe { *list.add(i) };
            if v.is_null() {
                break;
            }
            // SAFETY: `v` points to a live espeak_VOICE (see above).
            let v = unsafe { &*v };
            out.push(VoiceInfo {
                name: lossy(v.name),
                // SAFETY: `languages` is espeak's priority-byte + string list format.
                languages: unsafe { languages(v.languages) },
                identifier: lossy(v.identifier),
                gender: v.gender,
            });
        }
        out
    }

    /// Selects a voice by name, language (`en-us`) or identifier (`gmw/en-US`).
    pub fn set_voice(&mut self, name: &str) -> Result<(), EspeakError> {
        let c = CString::new(name).map_err(|_| EspeakError::Nul)?;
        // SAFETY: `c` is a NUL-terminated string alive for the call.
        let code = unsafe { (self.api.set_voice_by_name)(c.as_ptr()) };
        check("espeak_SetVoiceByName", code)
    }

    /// Sets an absolute parameter value for the following syntheses.
    pub fn set_parameter(&mut self, param: Param, value: i32) -> Result<(), EspeakError> {
        // SAFETY: plain integers; the library validates the parameter number.
        let code = unsafe { (self.api.set_parameter)(param as c_int, value, 0) };
        check("espeak_SetParameter", code)
    }

    /// Speaks `text` (UTF-8, not SSML) with the current voice, handing every buffer of
    /// samples to `sink` as the library produces it. `sink` returns false to stop: the
    /// library then aborts the synthesis and this returns [`SynthEnd::Aborted`].
    /// `end_pause` adds espeak's sentence pause after the last word; with
    /// `phoneme_input`, `[[…]]` in `text` is read as phoneme mnemonics.
    pub fn synthesize(
        &mut self,
        text: &str,
        end_pause: bool,
        phoneme_input: bool,
        sink: &mut dyn FnMut(&[i16], &[Event]) -> bool,
    ) -> Result<SynthEnd, EspeakError> {
        let c = CString::new(text).map_err(|_| EspeakError::Nul)?;
        let aborted = Cell::new(false);
        let mut wrapped = |samples: &[i16], events: &[Event]| {
            let go_on = sink(samples, events);
            if !go_on {
                aborted.set(true);
            }
            go_on
        };
        let erased: &mut dyn FnMut(&[i16], &[Event]) -> bool = &mut wrapped;
        // SAFETY: only the lifetime is erased. The pointer is stored for the duration of
        // the synchronous espeak_Synth call below and removed by `ClearSink` before
        // `wrapped` goes out of scope, even if the call unwinds.
        let ptr: SinkPtr = unsafe {
            std::mem::transmute::<NonNull<dyn FnMut(&[i16], &[Event]) -> bool + '_>, _>(
                NonNull::from(erased),
            )
        };
        SINK.with(|s| s.set(Some(ptr)));
        let _clear = ClearSink;
        let flags = CHARS_UTF8
            | if end_pause { ENDPAUSE } else { 0 }
            | if phoneme_input { PHONEMES } else { 0 };
        // SAFETY: `c` is NUL-terminated and outlives the call; in SYNCHRONOUS mode the
        // call returns only after the last callback; the other arguments are plain values
        // or null pointers the API documents as allowed.
        let code = unsafe {
            (self.api.synth)(
                c.as_ptr().cast(),
                c.as_bytes_with_nul().len(),
                0,
                POS_CHARACTER,
                0,
                flags,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if aborted.get() {
            return Ok(SynthEnd::Aborted);
        }
        check("espeak_Synth", code).map(|()| SynthEnd::Finished)
    }

    /// The IPA phonemes of `text` with the current voice, one string per clause the
    /// library found (it stops at sentence and clause punctuation, which it drops).
    pub fn text_to_phonemes(&mut self, text: &str) -> Result<Vec<String>, EspeakError> {
        let c = CString::new(text).map_err(|_| EspeakError::Nul)?;
        let mut ptr: *const c_void = c.as_ptr().cast();
        let mut out = Vec::new();
        // Each call consumes at least one character; the bound guards against a library
        // that would not advance.
        for _ in 0..=c.as_bytes().len() {
            if ptr.is_null() {
                break;
            }
            // SAFETY: `ptr` points into `c` (alive for the loop); the library advances it
            // within the string or sets it to null. The returned string is a static
            // buffer of the library, copied before the next call.
            let phonemes =
                unsafe { (self.api.text_to_phonemes)(&mut ptr, CHARS_UTF8 as c_int, PHONEMES_IPA) };
            out.push(lossy(phonemes));
        }
        Ok(out)
    }
}

impl Drop for Espeak {
    fn drop(&mut self) {
        // SAFETY: called once, from the owning thread, after every other call returned.
        unsafe { (self.api.terminate)() };
        ALIVE.store(false, Ordering::SeqCst);
    }
}

struct ClearSink;

impl Drop for ClearSink {
    fn drop(&mut self) {
        SINK.with(|s| s.set(None));
    }
}

/// The callback registered with espeak_SetSynthCallback. Returns 1 to abort synthesis.
extern "C" fn synth_callback(wav: *mut c_short, count: c_int, events: *const RawEvent) -> c_int {
    if wav.is_null() {
        return 0; // end of synthesis
    }
    let Some(mut sink) = SINK.with(Cell::get) else {
        return 1; // a synthesis nobody listens to
    };
    let samples: &[i16] = if count > 0 {
        // SAFETY: espeak passes `count` valid samples at `wav`, alive during the callback.
        unsafe { std::slice::from_raw_parts(wav, count as usize) }
    } else {
        &[]
    };
    // SAFETY: espeak passes null or an array it owns, alive during the callback and
    // ended by an espeakEVENT_LIST_TERMINATED entry.
    let events = unsafe { read_events(events) };
    // SAFETY: `sink` was set by `Espeak::synthesize` on this thread, which is blocked in
    // espeak_Synth while the closure it points to is alive; nothing else borrows it now.
    let sink = unsafe { sink.as_mut() };
    // A panic must not unwind into C: treat it as "stop".
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink(samples, &events))) {
        Ok(true) => 0,
        _ => 1,
    }
}

/// The word and end events of a callback's event list.
///
/// # Safety
/// `p` must be null or point to an array of events ended by a LIST_TERMINATED entry.
unsafe fn read_events(p: *const RawEvent) -> Vec<Event> {
    let mut out = Vec::new();
    if p.is_null() {
        return out;
    }
    for i in 0.. {
        // SAFETY: the array is terminated, and `i` stops at the terminator.
        let e = unsafe { &*p.add(i) };
        let sample = u64::try_from(e.sample).unwrap_or(0);
        match e.kind {
            EVENT_LIST_TERMINATED => break,
            // espeak counts characters from 1; it also reports pauses as words at 0.
            EVENT_WORD if e.text_position > 0 && e.length > 0 => out.push(Event::Word {
                char_position: (e.text_position - 1) as usize,
                sample,
            }),
            EVENT_END => out.push(Event::End { sample }),
            _ => {}
        }
    }
    out
}

fn check(call: &'static str, code: c_int) -> Result<(), EspeakError> {
    if code == EE_OK {
        Ok(())
    } else {
        Err(EspeakError::Call { call, code })
    }
}

fn lossy(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: callers pass NUL-terminated strings owned by the library.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Parses espeak's language list: `[priority byte][name]\0` repeated, ending with `\0`.
///
/// # Safety
/// `p` must be null or point to such a list.
unsafe fn languages(p: *const c_char) -> Vec<(u8, String)> {
    let mut out = Vec::new();
    if p.is_null() {
        return out;
    }
    let mut p = p.cast::<u8>();
    // SAFETY (whole loop): the list format guarantees a terminating zero priority byte,
    // and each name is NUL-terminated.
    unsafe {
        while *p != 0 {
            let priority = *p;
            let name = CStr::from_ptr(p.add(1).cast());
            out.push((priority, name.to_string_lossy().into_owned()));
            p = p.add(1 + name.to_bytes().len() + 1);
        }
    }
    out
}

fn load_api(lib: &libloading::Library) -> Result<Api, EspeakError> {
    macro_rules! sym {
        ($name:literal) => {
            // SAFETY: the symbol is declared in speak_lib.h with exactly the type of the
            // `Api` field it is stored in, and `lib` outlives `Api` (see `Espeak`).
            *unsafe { lib.get(concat!($name, "\0").as_bytes()) }
                .map_err(|e| EspeakError::Load(format!("{}: {e}", $name)))?
        };
    }
    Ok(Api {
        initialize: sym!("espeak_Initialize"),
        set_synth_callback: sym!("espeak_SetSynthCallback"),
        synth: sym!("espeak_Synth"),
        set_parameter: sym!("espeak_SetParameter"),
        set_voice_by_name: sym!("espeak_SetVoiceByName"),
        list_voices: sym!("espeak_ListVoices"),
        text_to_phonemes: sym!("espeak_TextToPhonemes"),
        terminate: sym!("espeak_Terminate"),
        info: sym!("espeak_Info"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_path_that_does_not_exist_is_an_error() {
        let err = Espeak::initialize(Some(Path::new("/nonexistent/espeak-ng-data")), 100);
        assert!(matches!(err, Err(EspeakError::Initialize(_))));
    }
}
