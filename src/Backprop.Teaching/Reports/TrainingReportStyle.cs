namespace Backprop.Teaching.Reports;

/// <summary>
/// The stylesheet of <c>report.html</c>. Figures scale to the width they get and wrap to one per row on a narrow
/// screen; wide tables scroll sideways inside their box instead of widening the page. The log-scale checkbox shows
/// one set of curves or the other through the sibling selector, so the switch needs no script.
/// </summary>
internal static class TrainingReportStyle
{
    public const string Css = """
        :root { --ink: #24292f; --muted: #57606a; --line: #d0d7de; --card: #f6f8fa; --accent: #0b4f9c; --pos: #b2182b; --neg: #2166ac; }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body { margin: 0; font-family: Helvetica, Arial, sans-serif; color: var(--ink); background: #fff; line-height: 1.45; font-size: 16px; }
        header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
        header { padding-top: 18px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
        .kicker { margin: 0; color: var(--muted); font-size: 0.85rem; text-transform: uppercase; letter-spacing: 0.06em; }
        h1 { font-size: 1.6rem; margin: 2px 0 10px; overflow-wrap: anywhere; }
        h2 { font-size: 1.25rem; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
        .facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px 20px; margin: 0 0 12px; }
        .facts dt { font-size: 0.8rem; color: var(--muted); }
        .facts dd { margin: 0; font-weight: bold; overflow-wrap: anywhere; }
        nav { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 4px 0 6px; }
        nav a { color: var(--accent); text-decoration: none; }
        nav a:hover, nav a:focus { text-decoration: underline; }
        section { margin: 28px 0; }
        p { max-width: 75em; }
        .note { color: var(--muted); font-size: 0.9rem; }
        .absent { color: var(--muted); font-style: italic; }
        code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.92em; }
        footer { color: var(--muted); font-size: 0.85rem; border-top: 1px solid var(--line); margin-top: 30px; padding-bottom: 20px; }
        #log-scale { width: 1.1em; height: 1.1em; vertical-align: middle; margin: 0 6px 0 0; accent-color: var(--accent); }
        .switch { cursor: pointer; font-weight: bold; vertical-align: middle; }
        .switch span { font-weight: normal; color: var(--muted); font-size: 0.9rem; }
        .figures { display: flex; flex-wrap: wrap; gap: 8px 16px; margin-top: 10px; }
        .figures figure { margin: 0; flex: 1 1 420px; max-width: 580px; min-width: 0; }
        .figures svg { display: block; width: 100%; height: auto; }
        .figures.log, .log-only { display: none; }
        #log-scale:checked ~ .figures.linear { display: none; }
        #log-scale:checked ~ .figures.log { display: flex; }
        #log-scale:checked ~ .log-only { display: block; }
        .scroll { overflow-x: auto; max-width: 100%; }
        table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
        table.confusion td, table.confusion th { padding: 5px 7px; text-align: right; border: 1px solid #fff; min-width: 2.7em; }
        table.confusion th { font-weight: bold; background: #fff; }
        table.confusion tbody th { text-align: left; white-space: nowrap; }
        table.confusion th.corner { text-align: left; font-weight: normal; color: var(--muted); font-size: 0.85rem; white-space: nowrap; vertical-align: bottom; }
        table.confusion th.predicted { vertical-align: bottom; text-align: center; }
        table.confusion th.vertical span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; display: inline-block; text-align: left; }
        table.confusion td.recall, table.confusion th.recall { color: var(--muted); border-left: 2px solid var(--line); }
        table.confusion th.recall { vertical-align: bottom; }
        /* Narrower than the table (a phone under 370 pixels), the box scrolls and the class names stay in view. */
        table.confusion tbody th, table.confusion th.corner { position: sticky; left: 0; z-index: 1; }
        table.mistakes td, table.mistakes th { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; }
        .cards.wide { grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); }
        .cards.tiles { grid-template-columns: repeat(auto-fill, minmax(84px, 1fr)); gap: 8px; }
        .card { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px; min-width: 0; }
        .card img { display: block; width: 100%; height: auto; image-rendering: pixelated; border: 1px solid var(--line); background: #fff; }
        .card figcaption { margin-top: 6px; font-size: 0.88rem; line-height: 1.35; overflow-wrap: anywhere; }
        .tiles .card figcaption { text-align: center; }
        .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 6px; }
        .label { color: var(--muted); font-size: 0.8rem; }
        .small { color: var(--muted); font-size: 0.78rem; }
        .wrong { color: var(--pos); }
        .right { color: #1a7f37; }
        .pos { color: var(--pos); font-weight: bold; }
        .neg { color: var(--neg); font-weight: bold; }
        .formula { white-space: nowrap; } /* a formula never breaks at its slash */
        figure.grid { margin: 0; }
        figure.grid img { display: block; width: 100%; height: auto; image-rendering: pixelated; }
        @media (max-width: 640px) {
          body { font-size: 15px; }
          header, main, footer { padding-left: 10px; padding-right: 10px; }
          h1 { font-size: 1.3rem; }
          .facts { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 4px 12px; }
          .facts dd { font-size: 0.92rem; line-height: 1.3; }
          nav { gap: 2px 14px; font-size: 0.92rem; }
          .figures figure { flex-basis: 100%; }
          .cards { grid-template-columns: repeat(auto-fill, minmax(128px, 1fr)); gap: 8px; }
          .cards.wide { grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); }
          .cards.tiles { grid-template-columns: repeat(auto-fill, minmax(64px, 1fr)); }
          /* Ten classes with names such as "T-shirt/top" and four-digit counts fit 390 pixels: tighter cells, and row
             names that wrap at a space or after a slash (never inside a word) where the columns need the room. */
          table.confusion td, table.confusion th { padding: 3px 2px; min-width: 1.9em; font-size: 0.8rem; }
          table.confusion tbody th { white-space: normal; hyphens: manual; line-height: 1.2; padding-right: 4px; }
          table.confusion th.corner { white-space: normal; min-width: 0; width: 3.6em; font-size: 0.7rem; }
          /* The figures shrink to about two thirds here: larger text keeps their labels readable, and the turned
             axis caption goes, since the panel's heading names the quantity and the larger ticks need its room. */
          .figures svg text { font-size: 17px; }
          .figures svg text[transform] { display: none; }
        }

        """;
}
