namespace Backprop.Teaching.Player;

/// <summary>
/// The player's style sheet and script, inlined into every page (no library: a few hundred lines of plain JavaScript).
/// The script reads the recording's JSON, builds the list of frames (the forward pass in topological order, the
/// backward pass in the engine's order, then the totals; or a solve's points) and, for the current frame, marks the
/// graph's nodes, edges and labels and writes the detail panel.
/// </summary>
internal static class PlayerAssets
{
    public const string Style = """
        :root { --ink: #24292f; --muted: #57606a; --value: #1a7f37; --grad: #c62828; --active: #0969da; --line: #d0d7de; }
        * { box-sizing: border-box; }
        body { font-family: Helvetica, Arial, sans-serif; color: var(--ink); margin: 0; padding: 12px 16px; line-height: 1.4; }
        header h1 { font-size: 18px; margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
        header .subtitle { margin: 2px 0 0; color: var(--muted); font-family: ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
        #controls { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin: 10px 0 4px; }
        #controls button { font-size: 15px; min-width: 44px; min-height: 36px; border: 1px solid var(--line); border-radius: 6px; background: #f6f8fa; cursor: pointer; }
        #controls button:focus-visible, #controls select:focus-visible, .group-title:focus-visible { outline: 3px solid var(--active); }
        #controls select { font-size: 14px; min-height: 36px; max-width: 14em; }
        #position { color: var(--muted); font-size: 14px; margin-left: 4px; }
        #keys { font-size: 12px; color: var(--muted); margin: 0 0 8px; }
        main { display: flex; gap: 16px; align-items: flex-start; }
        #graph { flex: 1 1 auto; min-width: 0; margin: 0; overflow: auto; border: 1px solid var(--line); border-radius: 8px; }
        #graph svg { display: block; max-width: 100%; height: auto; }
        #detail { flex: 0 0 400px; max-width: 400px; font-size: 15px; }
        @media (max-width: 900px) {
          main { flex-direction: column; }
          #graph { align-self: stretch; } /* the viewport's width, not the drawing's: a wider drawing scrolls inside */
          #detail { flex: none; max-width: none; width: 100%; }
          #keys { display: none; }
        }
        #detail h2 { font-size: 17px; margin: 0 0 6px; overflow-wrap: anywhere; }
        #detail .phase { display: inline-block; font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em; color: white; background: var(--muted); border-radius: 4px; padding: 1px 6px; margin-right: 6px; vertical-align: 2px; }
        #detail[data-phase="forward"] .phase { background: var(--value); }
        #detail[data-phase="backward"] .phase { background: var(--grad); }
        #detail p { margin: 6px 0; }
        #detail .rule { font-style: italic; }
        #detail .symbols { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 14px; background: #f6f8fa; padding: 4px 6px; border-radius: 4px; overflow-wrap: anywhere; }
        #detail table { border-collapse: collapse; font-size: 14px; margin: 6px 0; }
        #detail th, #detail td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        #detail td.num, #detail table.tensor td { text-align: right; font-variant-numeric: tabular-nums; }
        #detail table.tensor td { border: 1px solid var(--line); padding: 1px 5px; }
        #detail .value, #detail .num.value { color: var(--value); }
        #detail .gradient, #detail .total { color: var(--grad); font-weight: 600; }
        #detail .note { color: var(--muted); font-size: 13px; }
        #detail .heat { display: inline-block; }
        #detail .heat canvas { display: block; image-rendering: pixelated; border: 1px solid var(--line); }
        #detail .heat .range { font-size: 12px; color: var(--muted); }
        #detail .badge { display: inline-block; border-radius: 4px; padding: 0 6px; color: white; font-size: 13px; }
        #detail .badge.pass { background: var(--value); }
        #detail .badge.fail { background: var(--grad); }
        #detail tr.current td { background: #ddf4ff; }
        #detail .iterations { position: relative; max-height: 20em; overflow-y: auto; }
        #detail .iterations th { position: sticky; top: 0; background: white; }
        #detail .iterations th + th { text-align: right; }
        svg .edge { fill: none; stroke: #8c959f; stroke-width: 1.5; }
        svg .edge.active { stroke: var(--active); stroke-width: 3.5; }
        svg .node > circle, svg .node > rect { fill: #f6f8fa; stroke: var(--ink); stroke-width: 1.6; }
        svg .node.input > rect, svg .node.parameter > rect { fill: white; stroke: #8c959f; }
        svg .node.constant > rect, svg .node.output > rect { fill: none; stroke: none; }
        svg .node text.name { text-anchor: middle; font-size: 18px; fill: var(--ink); }
        svg .node.input text.name, svg .node.parameter text.name, svg .node.output text.name { font-weight: bold; }
        svg .node.constant text.name { fill: #6e7781; font-size: 17px; }
        svg .node.output text.name { fill: #0b4f9c; }
        svg .node.computed > circle, svg .node.computed.input > rect, svg .node.computed.parameter > rect { fill: #e6f4ea; }
        svg .node.reached > circle, svg .node.reached.input > rect, svg .node.reached.parameter > rect { fill: #fde7e7; }
        svg .node.active > circle, svg .node.active > rect { stroke: var(--active); stroke-width: 4; }
        svg .node.constant.active > rect, svg .node.output.active > rect { stroke: var(--active); stroke-width: 3; fill: none; }
        svg .node text.total { text-anchor: end; font-size: 13px; font-weight: bold; fill: var(--grad); paint-order: stroke; stroke: white; stroke-width: 4; }
        svg .label { font-size: 14px; text-anchor: middle; paint-order: stroke; stroke: white; stroke-width: 4; stroke-linejoin: round; }
        svg .label.value { fill: var(--value); }
        svg .label.gradient { fill: var(--grad); }
        svg .off { visibility: hidden; }
        svg .group rect { fill: #f6f8fa; stroke: var(--line); stroke-dasharray: 5 3; }
        svg .group.collapsed rect { fill: #eaeef2; }
        svg .group.active rect { stroke: var(--active); stroke-width: 2.5; }
        svg .group-title { font-size: 12px; fill: var(--muted); cursor: pointer; }
        svg .hidden-member { display: none; }
        svg .badge circle { fill: var(--value); stroke: white; stroke-width: 1.5; }
        svg .badge.fail circle { fill: var(--grad); }
        svg .badge text { fill: white; font-size: 11px; text-anchor: middle; font-weight: bold; }
        """;

    public const string Script = """
        (() => {
          'use strict';
          const R = JSON.parse(document.getElementById('recording').textContent);
          const nodes = R.nodes, steps = R.steps, edges = R.edges;
          const svg = document.getElementById('graph-svg');
          const detail = document.getElementById('detail');
          const out = R.outputName;

          function fmt(v) {
            if (v === null || v === undefined) return '—';
            if (v === 0) return '0';
            const a = Math.abs(v);
            if (a >= 1e7 || a < 1e-4) return v.toExponential(3).replace(/\.?0+e/, 'e');
            const d = a >= 1 ? 4 : Math.min(15, 3 - Math.floor(Math.log10(a)));
            const s = String(Number(v.toFixed(d)));
            return s === '-0' ? '0' : s;
          }
          const paren = v => (v !== null && v < 0 ? '(' + fmt(v) + ')' : fmt(v));
          const esc = s => String(s).replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
          const scalar = t => t && t.values.length === 1;
          const item = t => t.values[0];
          const shape = t => '[' + t.shape.join(', ') + ']';

          // Frames: the forward pass in topological order, the backward pass in the engine's order, then the totals.
          const frames = [];
          if (R.solve) R.solve.frames.forEach((f, i) => frames.push({ phase: 'solve', index: i }));
          else {
            nodes.forEach(n => frames.push({ phase: 'forward', node: n.id }));
            steps.forEach((s, i) => frames.push({ phase: 'backward', step: i, node: s.node }));
            frames.push({ phase: 'done' });
          }
          const stepOf = new Map();
          steps.forEach((s, i) => { if (!stepOf.has(s.node)) stepOf.set(s.node, i); });
          const arrivalsAt = new Map();
          steps.forEach((s, i) => s.inputs.forEach(inp => {
            if (!inp.down) return;
            if (!arrivalsAt.has(inp.id)) arrivalsAt.set(inp.id, []);
            arrivalsAt.get(inp.id).push({ step: i, from: s.node, value: inp.down });
          }));

          const nodeEls = [...svg.querySelectorAll('.node')];
          const edgeEls = [...svg.querySelectorAll('.edge')];
          const valueEls = [...svg.querySelectorAll('.label.value')];
          const gradEls = [...svg.querySelectorAll('.label.gradient')];
          const valueText = valueEls.map(e => e.textContent);
          const collapsed = new Set();
          let current = 0, timer = null;

          // Tensors: a number, a small table, or a heat map with its minimum and maximum.
          const heats = [];
          function view(t, cls) {
            if (!t) return '<span class="note">none</span>';
            if (scalar(t)) return '<span class="num ' + (cls || '') + '">' + fmt(item(t)) + '</span>';
            const cols = t.shape.length ? t.shape[t.shape.length - 1] : 1;
            if (t.values.length <= 32) {
              let html = '<table class="tensor ' + (cls || '') + '" aria-label="tensor ' + shape(t) + '">';
              for (let r = 0; r < t.values.length / cols; r++) {
                html += '<tr>';
                for (let c = 0; c < cols; c++) html += '<td>' + fmt(t.values[r * cols + c]) + '</td>';
                html += '</tr>';
              }
              return html + '</table><span class="note">shape ' + shape(t) + '</span>';
            }
            heats.push(t);
            const min = Math.min(...t.values.map(v => v ?? 0)), max = Math.max(...t.values.map(v => v ?? 0));
            return '<span class="heat"><canvas data-heat="' + (heats.length - 1) + '" role="img" aria-label="heat map of a tensor ' +
              shape(t) + '"></canvas><span class="range">shape ' + shape(t) + ' · min ' + fmt(min) + ' · max ' + fmt(max) + '</span></span>';
          }
          function paintHeats() {
            detail.querySelectorAll('canvas[data-heat]').forEach(canvas => {
              const t = heats[Number(canvas.dataset.heat)];
              let cols = t.shape.length ? t.shape[t.shape.length - 1] : 1, rows = t.values.length / cols;
              const side = Math.round(Math.sqrt(t.values.length));
              if (rows === 1 && side * side === t.values.length) { rows = side; cols = side; } // one image as a square
              const cell = Math.max(2, Math.min(24, Math.floor(340 / cols)));
              canvas.width = cols * cell; canvas.height = rows * cell;
              const g = canvas.getContext('2d');
              const bound = Math.max(1e-12, ...t.values.map(v => Math.abs(v ?? 0)));
              for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
                const v = (t.values[r * cols + c] ?? 0) / bound, w = Math.round(255 * (1 - Math.abs(v)));
                g.fillStyle = v >= 0 ? 'rgb(255,' + w + ',' + w + ')' : 'rgb(' + w + ',' + w + ',255)';
                g.fillRect(c * cell, r * cell, cell, cell);
              }
            });
          }

          const name = id => nodes[id].label;
          const kindWord = n => n.kind === 'operation' ? n.op : n.kind;
          const binary = { '+': 1, '-': 1, '*': 1, '/': 1, '^': 1 };
          function computedAs(n) {
            const ins = n.inputs.map(i => nodes[i]);
            if (!ins.every(i => scalar(i.value))) return n.op + '(' + ins.map(i => esc(i.label) + ' ' + shape(i.value)).join(', ') + ') → ' + shape(n.value);
            if (binary[n.op] && ins.length === 2) return paren(item(ins[0].value)) + ' ' + n.op + ' ' + paren(item(ins[1].value)) + ' = ' + fmt(item(n.value));
            return n.op + '(' + ins.map(i => fmt(item(i.value))).join(', ') + ') = ' + fmt(item(n.value));
          }
          const check = n => !n.check ? '' : '<p><span class="badge ' + (n.check.passed ? 'pass' : 'fail') + '">' +
            (n.check.passed ? '✓ numerical check' : '✗ numerical check failed') + '</span> <span class="note">finite difference ' +
            fmt(n.check.numerical) + ' vs backward ' + fmt(n.check.analytic) + ' (relative error ' + (n.check.error ?? 0).toExponential(1) + ')</span></p>';
          const badge = n => !n.check ? '' : '<span class="badge ' + (n.check.passed ? 'pass' : 'fail') + '" title="finite difference ' +
            fmt(n.check.numerical) + ' vs backward ' + fmt(n.check.analytic) + '">' + (n.check.passed ? '✓ checked' : '✗ check failed') + '</span>';
          const sumText = list => list.map(a => paren(scalar(a.value) ? item(a.value) : NaN)).join(' + ');

          function forwardDetail(n) {
            let html = '<h2><span class="phase">forward</span>' + esc(n.label) + '</h2>';
            if (n.kind === 'operation') html += '<p>' + esc(n.label) + ' ← <span class="value">' + computedAs(n) + '</span></p>';
            else html += '<p>' + esc(n.kind) + (n.kind === 'constant' ? ': gets no gradient' : ', given') + '</p>';
            html += '<p>value: ' + view(n.value, 'value') + '</p>';
            if (n.module) html += '<p class="note">in module ' + esc(n.module) + '</p>';
            return html;
          }

          function backwardDetail(s, index) {
            const n = nodes[s.node];
            let html = '<h2><span class="phase">backward</span>' + esc(n.label) + (n.kind === 'operation' ? '' : ' (' + esc(n.kind) + ')') + '</h2>';
            const sum = s.arrivals.length > 1 && s.arrivals.every(a => scalar(a.value))
              ? sumText(s.arrivals) + ' = ' : '';
            if (n.kind !== 'operation') {
              html += '<p>∂' + esc(out) + '/∂' + esc(n.label) + ' = ' + sum + '<output class="total" data-node="' + esc(n.label) + '">' +
                (scalar(s.upstream) ? fmt(item(s.upstream)) : shape(s.upstream)) + '</output></p>';
              if (!scalar(s.upstream)) html += '<p>' + view(s.upstream, 'gradient') + '</p>';
              if (s.arrivals.length > 1) html += '<p class="note">' + esc(n.label) + ' feeds ' + s.arrivals.length + ' gates (' +
                s.arrivals.map(a => esc(name(a.from))).join(', ') + '): the gradients they send are summed — the multivariable chain rule.</p>';
              // Each arrival as the gate that sent it computed it: upstream × local.
              html += s.arrivals.map(a => {
                const gate = steps[stepOf.get(a.from)];
                const sent = gate && gate.inputs.find(i => i.id === n.id && i.local !== null && scalar(i.down) && scalar(a.value) && item(i.down) === item(a.value));
                return '<p>from ' + esc(name(a.from)) + ': ' + (sent && scalar(gate.upstream)
                  ? paren(item(gate.upstream)) + ' × ' + paren(sent.local) + ' = <span class="gradient">' + fmt(item(a.value)) + '</span>'
                  : s.arrivals.length > 1 ? view(a.value, 'gradient') : 'the whole gradient above') + '</p>';
              }).join('');
              html += '<p class="note">stored as its gradient</p>' + check(n);
              return html;
            }
            if (n.rule) html += '<p class="rule">' + esc(n.rule.words) + '</p><p class="symbols">' + esc(n.rule.symbols) + '</p>';
            html += '<p>upstream ∂' + esc(out) + '/∂' + esc(n.label) + ' = ' + sum + '<output class="total" data-node="' + esc(n.label) + '">' +
              (scalar(s.upstream) ? fmt(item(s.upstream)) : shape(s.upstream)) + '</output>' +
              (s.arrivals.length === 0 ? ' <span class="note">(the output: ∂' + esc(out) + '/∂' + esc(out) + ' = 1)</span>' : '') + '</p>';
            if (!scalar(s.upstream)) html += '<p>' + view(s.upstream, 'gradient') + '</p>';
            const wanted = s.inputs.filter(i => i.down);
            if (wanted.length) {
              html += '<table class="handoff"><tr><th>to</th><th>local</th><th>upstream × local = downstream</th></tr>';
              for (const inp of wanted) {
                const product = inp.local !== null && scalar(s.upstream)
                  ? paren(item(s.upstream)) + ' × ' + paren(inp.local) + ' = <span class="gradient">' + fmt(item(inp.down)) + '</span>'
                  : view(inp.down, 'gradient');
                let extra = '';
                if (inp.before) extra = '<div class="note">broadcast: the gate\'s gradient has the output\'s shape ' + shape(inp.before) +
                  '; the engine sums it over axis ' + inp.axes.join(', ') + ' to ' + esc(name(inp.id)) + '\'s shape ' + shape(inp.down) + '</div>' +
                  '<div>before: ' + view(inp.before, 'gradient') + '</div>';
                const all = arrivalsAt.get(inp.id) || [];
                if (all.length > 1) {
                  const so = all.filter(a => a.step <= index);
                  extra += '<div class="note">arrived at ' + esc(name(inp.id)) + ' so far: ' +
                    (so.every(a => scalar(a.value)) ? sumText(so) + (so.length > 1 ? ' = ' + fmt(so.reduce((t, a) => t + item(a.value), 0)) : '') : so.length + ' gradients') +
                    ' (' + so.length + ' of ' + all.length + ' gates)</div>';
                }
                html += '<tr><td>' + esc(name(inp.id)) + '</td><td class="num">' + (inp.local === null ? '' : fmt(inp.local)) + '</td><td>' + product + extra + '</td></tr>';
              }
              html += '</table>';
            }
            const none = s.inputs.filter(i => !i.down);
            if (none.length) html += '<p class="note">no gradient for ' + none.map(i => esc(name(i.id))).join(', ') + ' (constant)</p>';
            return html + check(n);
          }

          function doneDetail() {
            const o = nodes[R.output];
            let html = '<h2><span class="phase">done</span>gradients of ' + esc(out) + ' = ' + (scalar(o.value) ? fmt(item(o.value)) : shape(o.value)) + '</h2><table>';
            for (const n of nodes) if (n.kind === 'input' || n.kind === 'parameter')
              html += '<tr><td>∂' + esc(out) + '/∂' + esc(n.label) + '</td><td>' + view(n.grad, 'gradient') + '</td><td>' + badge(n) + '</td></tr>';
            for (const u of R.unused)
              html += '<tr class="unused"><td>∂' + esc(out) + '/∂' + esc(u) + '</td><td><span class="num gradient">0</span></td><td class="note">' +
                esc(out) + ' does not depend on ' + esc(u) + '</td></tr>';
            return html + '</table>';
          }

          // A solve's point: the step that led here from the previous point, with its numbers, then the new output and
          // the table of every point (scrolled to this one).
          function solveDetail(k) {
            const S = R.solve, f = S.frames[k], minimum = S.goal === 'minimum';
            let html = '<h2><span class="phase">' + (minimum ? 'minimise' : 'solve') + '</span>' + (k === 0 ? 'start' : 'step ' + k + ' of ' + (S.frames.length - 1)) + '</h2>';
            html += '<p class="rule">' + esc(S.rule) + '</p>';
            if (k > 0) html += stepDetail(S, S.frames[k - 1], f);
            const norm = Math.sqrt(f.gradient.reduce((t, g) => t + g * g, 0));
            html += '<p>new output ' + esc(out) + ' = <output class="total">' + fmt(f.output) + '</output>, ' +
              (minimum ? '|∇' + esc(out) + '| = ' + fmt(norm) : 'error ' + fmt(f.error)) + '</p>';
            // f′ (and f″ where the step uses it) in every row when minimising: the learner sees them go to 0 at the minimum.
            const second = minimum && S.method === 'newton' && S.varied.length === 1;
            const heads = minimum ? S.varied.map(d1).concat(second ? [d2(S.varied[0])] : []) : ['error'];
            html += '<div class="iterations"><table><tr><th>iter</th>' + S.varied.concat([out]).map(v => '<th>' + esc(v) + '</th>').join('') +
              heads.map(h => '<th>' + h + '</th>').join('') + '</tr>';
            S.frames.forEach((g, i) => {
              const cells = minimum ? g.gradient.concat(second ? [g.hessian ? g.hessian[0][0] : null] : []) : [g.error];
              html += '<tr' + (i === k ? ' class="current"' : '') + '><td>' + g.index + '</td>' +
                g.varied.concat([g.output], cells).map(v => '<td class="num">' + fmt(v) + '</td>').join('') + '</tr>';
            });
            html += '</table></div>';
            if (k === S.frames.length - 1) html += '<p>' + esc(S.outcome) + '</p>';
            return html;
          }
          const d1 = v => '∂' + esc(out) + '/∂' + esc(v);
          const d2 = v => '∂²' + esc(out) + '/∂' + esc(v) + '²';
          const matrix = m => '[[' + m.map(row => row.map(fmt).join(', ')).join('], [') + ']]';

          // The step from point p to point f, by the solve's method, with its numbers.
          function stepDetail(S, p, f) {
            const names = S.varied, w = esc(names[0]);
            const moved = deltas => '<p>' + names.map((v, i) => esc(v) + ' ← ' + fmt(p.varied[i]) + ' + ' + paren(deltas[i]) + ' = ' + fmt(f.varied[i])).join('<br>') + '</p>';
            if (S.method === 'gradient') {
              const deltas = p.gradient.map(g => -S.lr * g);
              return '<p>' + names.map((v, i) => 'Δ' + esc(v) + ' = −' + fmt(S.lr) + ' × ' + d1(v) + ' = −' + fmt(S.lr) + ' × ' + paren(p.gradient[i]) +
                ' = <span class="gradient">' + fmt(deltas[i]) + '</span>').join('<br>') + '</p>' + moved(deltas);
            }
            if (S.method === 'halley') {
              const e = p.error, g = p.gradient[0], h = p.hessian[0][0], delta = -2 * e * g / (2 * g * g - e * h);
              return '<p>e = ' + fmt(e) + ', f′ = ' + d1(names[0]) + ' = ' + fmt(g) + ', f″ = ' + d2(names[0]) + ' = ' + fmt(h) + '</p>' +
                '<p>Δ' + w + ' = −2·e·f′ / (2·f′² − e·f″) = <span class="gradient">' + fmt(delta) + '</span></p>' + moved([delta]);
            }
            if (S.goal === 'minimum' && names.length === 1) {
              const g = p.gradient[0], h = p.hessian[0][0], delta = -g / h;
              return '<p>f′ = ' + d1(names[0]) + ' = ' + fmt(g) + ', f″ = ' + d2(names[0]) + ' = ' + fmt(h) + '</p>' +
                '<p>Δ' + w + ' = −f′ / f″ = −' + paren(g) + ' / ' + paren(h) + ' = <span class="gradient">' + fmt(delta) + '</span></p>' + moved([delta]);
            }
            if (S.goal === 'minimum') {
              // The solver's Cholesky solve of H·Δ = −∇f is not repeated here: Δ is the step it took.
              const deltas = f.varied.map((v, i) => v - p.varied[i]);
              return '<p>∇' + esc(out) + ' = (' + p.gradient.map(fmt).join(', ') + '), H = ' + matrix(p.hessian) + '</p>' +
                '<p>H·Δ = −∇' + esc(out) + ' gives Δ = (<span class="gradient">' + deltas.map(fmt).join(', ') + '</span>)</p>' + moved(deltas);
            }
            const delta = S.target - p.output, norm = p.gradient.reduce((t, g) => t + g * g, 0);
            return '<p>Δ = ' + fmt(S.target) + ' − ' + paren(p.output) + ' = <span class="gradient">' + fmt(delta) + '</span>; g = ∂' + esc(out) +
              '/∂(' + names.join(', ') + ') = (' + p.gradient.map(fmt).join(', ') + ')</p>' + moved(p.gradient.map(g => delta * g / norm));
          }

          function mark(frame) {
            const f = frames[frame];
            const fwdUpTo = f.phase === 'forward' ? f.node : Infinity;
            const bwdUpTo = f.phase === 'backward' ? f.step : f.phase === 'done' || f.phase === 'solve' ? Infinity : -1;
            const reached = id => stepOf.has(id) && stepOf.get(id) <= bwdUpTo;
            for (const el of nodeEls) {
              const id = Number(el.dataset.node), isOut = el.dataset.output === '1';
              el.classList.toggle('computed', id <= fwdUpTo);
              el.classList.toggle('reached', !isOut && reached(id));
              el.classList.toggle('active', !isOut && f.node === id && f.phase !== 'done');
              const total = el.querySelector('.total');
              if (total) {
                total.classList.toggle('off', !reached(id));
                if (f.phase === 'solve') total.textContent = '∂ = ' + fmt(R.solve.frames[f.index].grads[id]);
              }
              el.classList.toggle('hidden-member', !!el.dataset.group && collapsed.has(el.dataset.group));
            }
            edges.forEach((e, i) => {
              const active = f.phase === 'forward' ? e.to === f.node || (e.to === -1 && f.node === R.output)
                : f.phase === 'backward' ? (nodes[f.node].kind === 'operation' ? e.to === f.node : e.from === f.node) : false;
              edgeEls[i].classList.toggle('active', active);
              const hide = [e.from, e.to].some(id => id >= 0 && nodes[id].module && collapsed.has(nodes[id].module)) &&
                           (e.to < 0 || nodes[e.from].module === nodes[e.to].module);
              edgeEls[i].classList.toggle('hidden-member', hide);
              valueEls[i].classList.toggle('off', hide || e.from > fwdUpTo);
              if (f.phase === 'solve') {
                const v = fmt(R.solve.frames[f.index].values[e.from]), m = valueText[i].match(/^(.*) = [^=]*$/);
                valueEls[i].textContent = m ? m[1] + ' = ' + v : v;
              }
            });
            valueEls.forEach(label => clearOfNodes(label, f.phase === 'solve'));
            for (const el of gradEls) {
              const e = edges[Number(el.dataset.edge)];
              el.classList.toggle('off', f.phase === 'solve' || (e.to >= 0 && !reached(e.to)) || (e.to < 0 && bwdUpTo < 0));
            }
            svg.querySelectorAll('.group').forEach(g => {
              const active = f.node !== undefined && nodes[f.node] && nodes[f.node].module === g.dataset.group;
              g.classList.toggle('active', active && collapsed.has(g.dataset.group));
            });
          }

          // A solve's later numbers are often longer than the start's, for which the labels were placed: one that now
          // runs into a node is moved along its line, clear of it.
          const shapes = nodeEls.map(el => el.querySelector('circle, rect')).filter(Boolean);
          function clearOfNodes(label, moved) {
            label.removeAttribute('transform');
            if (!moved || label.classList.contains('off')) return;
            const b = label.getBBox();
            for (const shape of shapes) {
              if (shape.parentNode.classList.contains('hidden-member')) continue;
              const n = shape.getBBox();
              if (n.x >= b.x + b.width || b.x >= n.x + n.width || n.y >= b.y + b.height || b.y >= n.y + n.height) continue;
              const dx = n.x + n.width / 2 < b.x + b.width / 2 ? n.x + n.width + 2 - b.x : n.x - 2 - (b.x + b.width);
              label.setAttribute('transform', 'translate(' + dx.toFixed(1) + ' 0)');
              return;
            }
          }

          // The graph scales down to fit, but not below 70 % of its size: a wider one scrolls, following the active gate.
          const figure = document.getElementById('graph');
          const natural = Number(svg.getAttribute('width'));
          function fit() {
            const small = figure.clientWidth / natural < 0.7;
            svg.style.width = small ? natural * 0.7 + 'px' : '';
            svg.style.maxWidth = small ? 'none' : '';
          }
          window.addEventListener('resize', () => { fit(); follow(); });
          window.addEventListener('load', () => { fit(); follow(); });
          function follow() {
            const active = svg.querySelector('.node.active');
            if (!active || figure.scrollWidth <= figure.clientWidth) return;
            const box = active.getBoundingClientRect(), frame = figure.getBoundingClientRect();
            if (box.left < frame.left || box.right > frame.right)
              figure.scrollLeft += box.left - frame.left - (frame.width - box.width) / 2;
          }

          function show(frame) {
            current = Math.max(0, Math.min(frames.length - 1, frame));
            const f = frames[current];
            heats.length = 0;
            detail.dataset.phase = f.phase;
            detail.dataset.node = f.node !== undefined ? nodes[f.node].label : '';
            detail.innerHTML = f.phase === 'forward' ? forwardDetail(nodes[f.node])
              : f.phase === 'backward' ? backwardDetail(steps[f.step], f.step)
              : f.phase === 'solve' ? solveDetail(f.index) : doneDetail();
            paintHeats();
            const table = detail.querySelector('.iterations'), row = detail.querySelector('.iterations tr.current');
            if (row) table.scrollTop = row.offsetTop - (table.clientHeight - row.offsetHeight) / 2;
            mark(current);
            fit(); // also here: a phone's viewport may settle only after the script first ran
            follow();
            const count = p => frames.filter(x => x.phase === p).length;
            const within = frames.slice(0, current + 1).filter(x => x.phase === f.phase).length;
            // A solve's first frame is its start, so its steps count from the second.
            document.getElementById('position').textContent = f.phase === 'done' ? 'done: ' + (current + 1) + ' of ' + frames.length
              : f.phase === 'solve' ? (R.solve.goal === 'minimum' ? 'minimise: ' : 'solve: ') + (current === 0 ? 'start' : 'step ' + current) + ' of ' + (frames.length - 1)
              : f.phase + ' ' + within + ' of ' + count(f.phase);
            const jump = document.getElementById('jump');
            if (f.node !== undefined && document.activeElement !== jump) jump.value = String(f.node);
          }

          function play() {
            if (timer) { clearInterval(timer); timer = null; }
            else {
              if (current === frames.length - 1) show(0);
              timer = setInterval(() => { if (current >= frames.length - 1) play(); else show(current + 1); }, 900);
            }
            const button = document.getElementById('play');
            button.textContent = timer ? '‖ pause' : '▶ play';
            button.setAttribute('aria-label', timer ? 'pause' : 'play');
          }
          const stop = () => { if (timer) play(); };

          // Jump to a node: to its backward step when it has one, else to where the forward pass computes it.
          const jump = document.getElementById('jump');
          const byModule = new Map();
          for (const n of nodes) {
            const key = n.module || '';
            if (!byModule.has(key)) byModule.set(key, []);
            byModule.get(key).push(n);
          }
          for (const [module, members] of byModule) {
            const parent = module ? document.createElement('optgroup') : jump;
            if (module) { parent.label = module; jump.appendChild(parent); }
            for (const n of members) {
              const option = document.createElement('option');
              option.value = String(n.id);
              option.textContent = n.label + (n.kind === 'operation' ? '' : ' (' + n.kind + ')');
              parent.appendChild(option);
            }
          }
          const frameOfNode = id => {
            const b = frames.findIndex(f => f.phase === 'backward' && f.node === id);
            return b >= 0 ? b : frames.findIndex(f => f.node === id);
          };
          jump.addEventListener('change', () => { stop(); const i = frameOfNode(Number(jump.value)); if (i >= 0) show(i); });
          if (R.solve) jump.disabled = true;

          document.getElementById('first').addEventListener('click', () => { stop(); show(0); });
          document.getElementById('back').addEventListener('click', () => { stop(); show(current - 1); });
          document.getElementById('next').addEventListener('click', () => { stop(); show(current + 1); });
          document.getElementById('last').addEventListener('click', () => { stop(); show(frames.length - 1); });
          document.getElementById('play').addEventListener('click', play);
          document.addEventListener('keydown', e => {
            if (e.target === jump || e.altKey || e.ctrlKey || e.metaKey) return;
            const k = e.key;
            if (k === 'ArrowRight' || k === 'l') { stop(); show(current + 1); }
            else if (k === 'ArrowLeft' || k === 'h') { stop(); show(current - 1); }
            else if (k === ' ' && e.target.tagName !== 'BUTTON') play();
            else if (k === 'Home') { stop(); show(0); }
            else if (k === 'End') { stop(); show(frames.length - 1); }
            else if (k === 'j' && !jump.disabled) jump.focus();
            else return;
            e.preventDefault();
          });

          // Modules collapse to their box: the nodes inside and the edges between them are hidden, the walk goes on.
          svg.querySelectorAll('.group-title').forEach(title => {
            const toggle = () => {
              const g = title.parentNode, module = g.dataset.group;
              if (collapsed.has(module)) collapsed.delete(module); else collapsed.add(module);
              const closed = collapsed.has(module);
              g.classList.toggle('collapsed', closed);
              title.setAttribute('aria-expanded', String(!closed));
              title.textContent = (closed ? '▸ ' : '▾ ') + module;
              mark(current);
            };
            title.addEventListener('click', toggle);
            title.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); e.stopPropagation(); toggle(); } });
          });

          fit();
          show(0);
        })();
        """;
}
