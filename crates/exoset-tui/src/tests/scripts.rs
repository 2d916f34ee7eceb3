//! Every script, and hostile text: widths, alignment, control characters.
use super::*;

// ----- every script, and hostile text -----

/// Whatever the script, rows stay aligned: a value too wide for its column
/// is cut with `…` by display width (wide characters count two, a grapheme
/// is never split) and every box keeps its right border in the last column.
#[test]
fn wide_and_combining_text_keeps_rows_and_boxes_aligned() {
    for (width, height) in [(80, 24), (100, 30), (120, 40)] {
        for tab in ['1', '2', '3'] {
            let mut app = loaded_in_many_scripts();
            press(&mut app, KeyCode::Char(tab));
            update(&mut app, Action::Resize(width, height));
            let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
            terminal
                .draw(|frame| crate::view::draw(frame, &app))
                .expect("draws");
            let buffer = terminal.backend().buffer();
            for y in 0..height {
                let left = buffer[(0, y)].symbol();
                let right = buffer[(width - 1, y)].symbol();
                let want = match left {
                    "┌" => "┐",
                    "│" => "│",
                    "└" => "┘",
                    _ => continue,
                };
                assert_eq!(right, want, "{width}x{height} tab {tab}, row {y}");
            }
        }
    }
    let mut app = loaded_in_many_scripts();
    let shown = screen(&mut app, 80, 24);
    let tamil = shown
        .lines()
        .find(|l| l.contains("bparty_tag"))
        .expect("the B-party row");
    // Cut in the middle (its end kept), not clipped at the edge.
    assert!(tamil.contains('…'), "cut, not clipped: {tamil:?}");
    assert!(shown.contains("ग्रा"), "{shown}");
    press(&mut app, KeyCode::Char('1'));
    select(&mut app, "greenvn.default_flow_id");
    let shown = screen(&mut app, 80, 24);
    let cjk = shown
        .lines()
        .find(|l| l.contains("default_flow_id"))
        .expect("the flow id row");
    assert!(cjk.contains('…'), "cut by columns, not clipped: {cjk:?}");
}

/// The editor draws through ratatui, which never writes a control
/// character into a cell; this proves it for every character on the
/// tests' own list (`controls`) in a value, a key name and a server message.
#[test]
fn control_characters_from_the_server_never_reach_the_screen() {
    let evil = super::controls::every_control();
    let mut data = seed_answer().settings.to_json();
    data["common"]["aparty_tag"] = json!(evil);
    data["common"][format!("k{evil}")] = json!(evil);
    let mut app = loaded_with(answer_from(data), false);
    press(&mut app, KeyCode::Char('3'));
    select(&mut app, "common.aparty_tag");
    let seq = send_timezone(&mut app);
    let sent = sent_err(
        &app,
        ApiError::Server {
            status: 400,
            code: Some(evil.clone()),
            message: Some(evil.clone()),
            request_id: Some(evil.clone()),
        },
    );
    update(&mut app, Action::Sent { seq, sent });
    for (width, height) in [(80, 24), (120, 40)] {
        let shown = screen(&mut app, width, height);
        let raw = super::controls::raw_in(&shown);
        assert!(raw.is_empty(), "{raw:?} on screen:\n{shown}");
        assert!(shown.contains('<'), "{shown}");
    }
}
