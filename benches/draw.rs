//! Drawing one full frame of the editor at 120×40, with the demo settings
//! loaded: the work done on every redraw.

use criterion::{Criterion, criterion_group, criterion_main};
use exoset_engine::api::client::check_answer;
use exoset_sim::DEMO_SETTINGS_JSON;
use exoset_tui::{Action, App, update, view};
use ratatui::{Terminal, backend::TestBackend};
use std::hint::black_box;

fn loaded_app(color: bool) -> App {
    let envelope = format!(
        r#"{{"request_id":"bench","success":true,"status":200,"code":null,"message":null,"method":"GET","data":{DEMO_SETTINGS_JSON}}}"#
    );
    let answer = check_answer(200, envelope.as_bytes()).expect("demo answer reads");
    let mut app = App::new("demo", "127.0.0.1", color, false);
    app.size = (120, 40);
    let _ = app.start();
    let _ = update(
        &mut app,
        Action::Loaded {
            seq: 1,
            result: Ok(answer),
        },
    );
    app
}

fn draw_frame(c: &mut Criterion) {
    for (name, color) in [
        ("draw 120x40 colour", true),
        ("draw 120x40 NO_COLOR", false),
    ] {
        let app = loaded_app(color);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
        c.bench_function(name, |b| {
            b.iter(|| {
                terminal
                    .draw(|frame| view::draw(frame, black_box(&app)))
                    .expect("draw");
            })
        });
    }
}

criterion_group!(benches, draw_frame);
criterion_main!(benches);
