//! First audio first: the turns of an engine's pool go to the stream that needs audio
//! soonest, not to the one that asked first.

use crate::doubles::{double_body, spawn_double, Behaviour, Double};
use crate::helpers::collect;
use std::time::Duration;

#[tokio::test]
async fn a_new_streams_first_chunk_goes_before_the_next_chunk_of_a_stream_that_is_ahead() {
    // A pool of one turn; every chunk is 30 s of audio and waits for the gate.
    let double = Double::new("paced", Behaviour::Paced);
    let app = spawn_double(&double, |_| {}).await;
    let scheduler = app
        .state
        .scheduler("paced")
        .expect("the double declares a pool");
    let body = |text: &str| {
        let mut b = double_body("paced");
        b["text"] = text.into();
        b
    };
    let connect = |id: String| {
        let url = app.ws_url(&id);
        tokio::spawn(async move {
            let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
            collect(ws).await
        })
    };
    let (alpha, _) = app.create(&body("alpha")).await;
    let (hotel, _) = app.create(&body("hotel")).await;
    let (bravo, _) = app.create(&body("bravo")).await;

    // alpha holds the turn for its first chunk; hotel waits for it.
    let alpha = connect(alpha);
    app.eventually("alpha begins", || async { double.pulls().len() == 1 })
        .await;
    let hotel = connect(hotel);
    app.eventually("hotel waits", || async { scheduler.waiting() == 1 })
        .await;
    // alpha's first chunk: hotel gets the turn, alpha (30 s ahead) waits for its second.
    double.gate.add_permits(1);
    app.eventually("hotel begins and alpha waits", || async {
        double.pulls().len() == 2 && scheduler.waiting() == 1
    })
    .await;
    // bravo arrives after alpha's second chunk was asked for.
    let bravo = connect(bravo);
    app.eventually("bravo waits", || async { scheduler.waiting() == 2 })
        .await;
    double.gate.add_permits(1);
    app.eventually("the next chunk begins", || async {
        double.pulls().len() == 3
    })
    .await;
    assert_eq!(
        double.pulls(),
        ["alpha#1", "hotel#1", "bravo#1"],
        "first come, first served would have begun alpha#2"
    );
    // Each step's budget lets everyone waiting be served by their deadline (the
    // formula: scheduler's unit tests). Nobody waited behind alpha#1. When hotel#1 and
    // bravo#1 were granted, alpha (30 s of audio) had asked again or was about to; by
    // bravo#1 it had, and hotel too perhaps (then the second of them waits two steps).
    let budgets = double.budgets();
    assert_eq!(budgets[0], None, "{budgets:?}");
    let secs = |b: Option<Duration>| b.map(|b| b.as_secs_f64());
    assert!(
        secs(budgets[1]).is_none_or(|s| (25.0..=30.0).contains(&s)),
        "{budgets:?}"
    );
    assert!(
        secs(budgets[2]).is_some_and(|s| (12.0..=30.0).contains(&s)),
        "{budgets:?}"
    );

    // bravo#1, then alpha#2, hotel#2 and bravo#2.
    double.gate.add_permits(4);
    for stream in [alpha, hotel, bravo] {
        let streamed = stream.await.unwrap();
        assert!(streamed.is_eos(), "{:?}", streamed.last);
        assert_eq!(streamed.audio.len(), 2 * 2 * 16_000 * 30);
    }
    let pulls = double.pulls();
    assert_eq!(pulls.len(), 6);
    assert_eq!(scheduler.waiting(), 0);
    assert!(
        app.metric(
            "tts_engine_queue_wait_seconds_count",
            &[("provider", "paced")]
        )
        .await
            >= 6.0
    );
}

#[tokio::test]
async fn a_request_that_continues_a_stream_starts_with_the_streams_lead() {
    // Through the phrase cache each sentence is a request of its own; its engine is told
    // how much audio the listener still has, so it need not start as if from silence.
    let double = Double::new("paced", Behaviour::PacedSentences);
    let app = spawn_double(&double, |s| s.cache.budget_bytes = 8 << 20).await;
    let mut body = double_body("paced");
    body["text"] = "First one here. Second one here.".into();
    let (id, _) = app.create(&body).await;
    let url = app.ws_url(&id);
    let stream = tokio::spawn(async move {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        collect(ws).await
    });
    double.gate.add_permits(4);
    let streamed = stream.await.unwrap();
    assert!(streamed.is_eos(), "{:?}", streamed.last);
    assert_eq!(
        double.pulls(),
        [
            "First one here. #1",
            "First one here. #2",
            "Second one here.#1",
            "Second one here.#2"
        ],
        "one request per sentence"
    );
    let leads: Vec<f64> = double.leads().iter().map(Duration::as_secs_f64).collect();
    // The first chunk of the stream: nothing to play yet. Each later pull: the audio
    // sent so far (30 s a chunk) less the moments the test took.
    assert!(leads[0] < 1.0, "{leads:?}");
    assert!((25.0..=30.0).contains(&leads[1]), "{leads:?}");
    assert!(
        (55.0..=60.0).contains(&leads[2]),
        "the second sentence's first pull: {leads:?}"
    );
    assert!((85.0..=90.0).contains(&leads[3]), "{leads:?}");
}
