// page.js draws the cluster that the server (web.go) runs, and sends the
// class's commands back. It holds no Raft logic: the server streams every
// event of the run, as the trace writes them, and this page rebuilds each
// node's state from them (apply, below, as the recorder does in events.go),
// then draws the state at the moment the time slider shows.
//
// The picture runs slightly behind the cluster: by the longest time a
// message can fly, so that every message drawn in flight has already
// arrived or been lost on the server, and its dot can go where it went.

'use strict';

// ---- The run, as the stream tells it ----

// run is the run shown: its header, the state before the events held
// (base), the events since, the messages they sent, and the clock.
let run = null;

// The page holds the events of the last reachMs of protocol time, and
// folds older ones into its base state once it holds a tenth more, or its
// oldest half past mostEvents, as the server does (webfeed.go): the time
// slider starts that far back.
const reachMs = 100000;
const mostEvents = 120000;

function newRun(header) {
  run = {
    header,
    base: null,          // the state at base.at, before events[0]
    events: [],          // each with .at, in milliseconds of protocol time
    flights: [],         // messages, in the order sent: {from, to, msg, sent, end, lost, entries, granted}
    waiting: new Map(),  // messages sent and not yet delivered or lost, by sender, receiver and kind
    violations: [],
    clock: { at: 0, slow: 1, paused: false, live: true, wall: performance.now() },
    present: 0,          // the latest moment of the run the page has reached
    state: null,         // the state at state.at, computed from base and events
    applied: 0,          // how many events state includes
  };
  following = true;
  document.body.classList.toggle('no-engine', !header.engine);
  buildNodes(header.nodes);
  const seed = header.engine ? ` · seed ${header.seed}` : ''; // a cluster of processes has no one seed
  const runLine = document.getElementById('run');
  runLine.textContent = `Run ${header.run}${seed} · ${header.nodes} nodes · ${header.what}`;
  runLine.title = runLine.textContent; // the whole of it, where the header cuts it short
  document.getElementById('story-lines').replaceChildren();
}

// emptyState is a cluster of n nodes before it starts.
function emptyState(n) {
  const nodes = [];
  for (let id = 1; id <= n; id++) {
    nodes.push({ id, role: 'follower', term: 0, votedFor: 0, alive: false, commit: 0, log: [], timer: null, granted: [], progress: {} });
  }
  return { at: 0, nodes, groups: null, dropRate: 0 };
}

// setBase takes the server's snapshot: the state before the events to
// come. A log may hold only its newest entries, each at its index.
function setBase(snapshot) {
  const base = emptyState(run.header.nodes);
  base.at = snapshot.at_ms;
  base.groups = snapshot.groups;
  base.dropRate = snapshot.drop_rate;
  for (const n of snapshot.nodes) {
    Object.assign(base.nodes[n.id - 1], {
      role: n.role, term: n.term, votedFor: n.voted_for, alive: n.alive, commit: n.commit,
      log: entriesByIndex(n.log),
      progress: Object.fromEntries((n.progress || []).map(p => [p.to, { next: p.next, match: p.match }])),
      granted: n.role === 'candidate' ? [n.id] : [], // its own vote; the others' came before the snapshot
    });
  }
  run.base = base;
  run.events = [];
  run.flights = [];
  run.waiting.clear();
  run.state = null;
  toldUpTo = -1;
}

// entriesByIndex is a snapshot's log as the page keeps it: entry i at
// position i-1, with nothing before the first the snapshot holds.
function entriesByIndex(entries) {
  const log = [];
  for (const e of entries) log[e.index - 1] = { index: e.index, term: e.term, command: e.command || '' };
  return log;
}

// addHistory takes what came before the page's first events: the state
// at the start of what the server holds, and the events from there on.
function addHistory(history) {
  const later = run.events;
  setBase(history.snapshot);
  addEvents(history.events.concat(later));
}

// apply changes state by one event, as the recorder's clusterState.apply
// does, and keeps each node's election timer for its arc.
function apply(state, e) {
  state.at = e.at_ms;
  switch (e.event) {
    case 'start': if (!e.node) for (const n of state.nodes) n.alive = true; break;
    case 'partition': state.groups = e.groups; break;
    case 'heal': state.groups = null; break;
    case 'loss': state.dropRate = e.drop_rate; break;
  }
  if (!e.node) return;
  const n = state.nodes[e.node - 1];
  switch (e.event) {
    case 'role':
      if (e.before === undefined) e.before = n.role; // for the story's sentences (tell)
      n.role = e.role; n.term = e.term || 0; n.votedFor = e.voted_for || 0;
      n.granted = e.role === 'candidate' || e.role === 'precandidate' ? [n.id] : []; // a campaign begins with its own yes
      if (e.role !== 'leader') n.progress = {};
      if (e.cause === 'started') n.timer = { at: e.at_ms, ms: e.timeout_ms };
      if (e.role === 'leader') n.timer = null; // a leader keeps its authority by heartbeats
      break;
    case 'vote': n.term = e.term || 0; n.votedFor = e.voted_for || 0; tally(state, e, 'candidate'); break;
    case 'prevote': tally(state, e, 'precandidate'); break;
    case 'timer': case 'retime': n.timer = { at: e.at_ms, ms: e.timeout_ms }; break;
    case 'start': // a node's own process starts (again): its next events tell its log
      Object.assign(n, { alive: true, role: 'follower', commit: 0, log: [], timer: null });
      break;
    case 'crash': n.alive = false; n.timer = null; n.progress = {}; break;
    case 'progress': n.progress[e.to] = { next: e.next, match: e.index || 0 }; break;
    case 'restart':
      Object.assign(n, { alive: true, role: 'follower', term: e.term || 0, votedFor: e.voted_for || 0, commit: 0 });
      break;
    case 'append': n.log.push({ index: e.index, term: e.entry_term, command: e.command || '' }); break;
    case 'truncate': n.log.length = e.index - 1; break;
    case 'commit': n.commit = e.index; break;
  }
}

// tally counts a vote (or pre-vote) granted to the candidate (or
// pre-candidate) that asked for it, while it still campaigns for it: a
// vote in the candidate's own term, a pre-vote in its current round
// (each round of asking is a role event, which starts the count again).
function tally(state, e, role) {
  const c = state.nodes[(e.candidate || 0) - 1];
  if (!e.granted || !c || c.id === e.node || c.role !== role) return;
  if (role === 'candidate' && c.term !== e.term) return;
  if (!c.granted.includes(e.node)) c.granted.push(e.node);
}

// addEvents takes a batch of the run's events.
function addEvents(events) {
  for (const e of events) {
    run.events.push(e);
    track(e);
    run.present = Math.max(run.present, e.at_ms);
  }
  if (run.events.length > mostEvents) forget(run.events.length >> 1);
  else if (run.events.length && run.events[0].at_ms < run.present - reachMs * 1.1) forget(firstAt(run.events, run.present - reachMs, e => e.at_ms));
  schedule();
}

// firstAt finds, by bisection, the first of list, in order of time, whose
// time is t or later.
function firstAt(list, t, time) {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (time(list[mid]) < t) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// track follows each message from its send to its delivery or loss.
function track(e) {
  if (e.event !== 'send' && e.event !== 'recv' && e.event !== 'drop') return;
  if (!e.from) return; // a client's request comes from outside the ring
  const key = `${e.from}-${e.to}-${e.msg}`;
  if (e.event === 'send') {
    const flight = { from: e.from, to: e.to, msg: e.msg, sent: e.at_ms, end: null, lost: false,
      entries: e.entries || 0, granted: e.granted };
    run.flights.push(flight);
    if (!run.waiting.has(key)) run.waiting.set(key, []);
    run.waiting.get(key).push(flight);
    return;
  }
  const queue = run.waiting.get(key);
  const flight = queue && queue.shift();
  if (flight) {
    flight.end = e.at_ms;
    flight.lost = e.event === 'drop';
  }
}

// forget folds the n oldest events into the base state.
function forget(n) {
  const base = run.base;
  for (const e of run.events.slice(0, n)) apply(base, e);
  run.events = run.events.slice(n);
  const since = base.at - 2 * run.header.flight_ms;
  run.flights = run.flights.filter(f => f.end === null || f.end >= since);
  run.state = null;
}

// stateAt is the cluster at moment t: the base state with every event up
// to t applied. Going forward it goes on from the last state computed;
// going back it starts again from the base.
function stateAt(t) {
  if (!run.state || t < run.state.at) {
    run.state = structuredClone(run.base);
    run.applied = 0;
  }
  const events = run.events;
  while (run.applied < events.length && events[run.applied].at_ms <= t) {
    apply(run.state, events[run.applied++]);
  }
  run.state.at = Math.max(run.state.at, Math.min(t, run.present));
  return run.state;
}

// ---- Time ----

// following says that the page shows the present, as it moves; false
// while the class looks at a moment the slider chose.
let following = true;
let chosenTime = 0;

// presentTime is the latest moment of the run the page can show: the
// server's clock, run on at its pace since its last word, but never more
// than a stretch of real time ahead of it.
function presentTime() {
  const c = run.clock;
  let t = c.at;
  if (c.live && !c.paused) t += Math.min(performance.now() - c.wall, 600) / c.slow;
  return Math.max(t, run.present);
}

// viewTime is the moment drawn: the present, a flight behind it while the
// run moves, or the moment the slider chose.
function viewTime() {
  const earliest = run.base ? run.base.at : 0;
  if (!following) return Math.max(chosenTime, earliest);
  return Math.max(presentTime() - lag(), earliest);
}

// lag is how far behind the present the page follows a run: a flight
// while it moves, so that every message drawn has arrived or been lost
// by then; none while it stands still, paused or ended, so that a step,
// or a lesson's, shows what it did at once (a message then on its way
// flies on as though it will arrive).
function lag() {
  return run.clock.live && !run.clock.paused ? run.header.flight_ms : 0;
}

// ---- Drawing ----

const nodeElements = [];
const nodeArcs = []; // each node's timer arc, which every frame redraws

function ringPoint(id, n) {
  const angle = -Math.PI / 2 + (2 * Math.PI * (id - 1)) / n;
  return { x: 500 + 380 * Math.cos(angle), y: 500 + 380 * Math.sin(angle) };
}

// buildNodes makes one element per node, on the ring, with its buttons.
function buildNodes(n) {
  const cluster = document.getElementById('cluster');
  for (const el of nodeElements) el.remove();
  nodeElements.length = 0;
  nodeArcs.length = 0;
  const template = document.getElementById('node-template');
  for (let id = 1; id <= n; id++) {
    const el = template.content.firstElementChild.cloneNode(true);
    const p = ringPoint(id, n);
    el.dataset.node = id;
    el.style.left = `${p.x / 10}%`;
    el.style.top = `${p.y / 10}%`;
    el.querySelector('.id').textContent = id;
    // Each control's name says its node, for a screen reader, which
    // reads "crash node 3" where the eye sees "crash" under node 3.
    for (const control of el.querySelectorAll('[data-action], [data-control]')) {
      const name = control.dataset.action === 'details' ? 'details of' : control.dataset.action || control.dataset.control;
      control.setAttribute('aria-label', `${name} node ${id}`);
    }
    el.querySelector('[data-action="crash"]').addEventListener('click', () => send(`crash ${id}`));
    el.querySelector('[data-action="restart"]').addEventListener('click', () => send(`restart ${id}`));
    el.querySelector('[data-action="timeout"]').addEventListener('click', () => send(`timeout ${id}`));
    el.querySelector('[data-action="details"]').addEventListener('click', () => { chosenNode = chosenNode === id ? 0 : id; schedule(); });
    cluster.appendChild(el);
    nodeElements.push(el);
    nodeArcs.push(el.querySelector('.timer'));
  }
}

const roleWords = { follower: 'follower', precandidate: 'pre-candidate', candidate: 'candidate', leader: 'leader' };

function drawNodes(state, t) {
  const alone = cutOff(state);
  for (const n of state.nodes) {
    const el = nodeElements[n.id - 1];
    const campaigning = n.alive && (n.role === 'candidate' || n.role === 'precandidate');
    const tally = campaigning ? `${n.role === 'candidate' ? 'votes' : 'pre-votes'} ${n.granted.length} of ${state.nodes.length}` : '';
    // What a node's label and buttons say changes a few times a second at
    // most: they are touched only then. Only the arc moves every frame.
    const key = `${n.alive}/${n.role}/${n.term}/${n.votedFor}/${alone.has(n.id)}/${tally}`;
    if (el.dataset.key !== key) {
      el.dataset.key = key;
      el.dataset.role = n.alive ? n.role : 'crashed';
      el.dataset.term = n.term;
      el.classList.toggle('cut-off', alone.has(n.id));
      el.querySelector('.role').textContent = n.alive ? roleWords[n.role] : 'crashed';
      el.querySelector('.term').textContent = `term ${n.term}`;
      el.querySelector('.vote').textContent = n.votedFor ? ` · voted ${n.votedFor}` : '';
      el.querySelector('.tally').textContent = tally;
      // Only the buttons that can act on the node show.
      el.querySelector('[data-action="crash"]').hidden = !n.alive;
      el.querySelector('[data-action="restart"]').hidden = n.alive;
      el.querySelector('[data-action="timeout"]').hidden = !n.alive || n.role === 'leader';
    }
    // The arc is the time left before the election timeout runs out, out
    // of the longest timeout a node can draw: the shortest arc runs out
    // first.
    const left = n.alive && n.timer ? Math.max(0, (n.timer.at + n.timer.ms - t) / run.header.timeout_ms) : 0;
    const arc = nodeArcs[n.id - 1];
    arc.style.strokeDasharray = `${(100 * left).toFixed(1)} 100`;
    arc.style.visibility = left > 0 ? 'visible' : 'hidden';
  }
}

// cutOff is the set of nodes a partition leaves with nobody to talk to.
function cutOff(state) {
  const alone = new Set();
  if (!state.groups) return alone;
  const company = new Map();
  for (const g of state.groups) for (const id of g) company.set(id, g.length);
  for (const n of state.nodes) if ((company.get(n.id) || 0) <= 1) alone.add(n.id);
  return alone;
}

const svgNS = 'http://www.w3.org/2000/svg';

function svg(name, attributes) {
  const el = document.createElementNS(svgNS, name);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  return el;
}

// drawLinks draws every pair of nodes: a line where messages pass, a
// dashed red one where a partition cuts them.
let drawnGroups;
function drawLinks(state) {
  const key = JSON.stringify(state.groups);
  if (key === drawnGroups) return;
  drawnGroups = key;
  const side = new Map();
  (state.groups || []).forEach((g, i) => g.forEach(id => side.set(id, i)));
  const links = document.getElementById('links');
  links.replaceChildren();
  const n = state.nodes.length;
  for (let a = 1; a <= n; a++) {
    for (let b = a + 1; b <= n; b++) {
      const linked = !state.groups || (side.has(a) && side.get(a) === side.get(b));
      const p = ringPoint(a, n), q = ringPoint(b, n);
      links.appendChild(svg('line', { x1: p.x, y1: p.y, x2: q.x, y2: q.y, class: linked ? 'link' : 'link-cut' }));
    }
  }
}

// dropShown is how long, in protocol time, a lost message's cross stays.
function dropShown() { return Math.max(run.header.flight_ms, 20); }

// drawFlights draws each message in flight at t where it is on its way,
// from the edge of its sender's disc to the edge of its receiver's (the
// messages fly above the nodes, and must not hide their numbers), and
// each message lost a moment before t where it was lost.
const drawnFlights = new Map(); // each message drawn, to its shape: moved, not drawn again, frame to frame
function drawFlights(t) {
  const group = document.getElementById('flights');
  const shown = new Set();
  const n = run.header.nodes, flight = Math.max(run.header.flight_ms, 1);
  const edge = discEdge();
  const flights = run.flights;
  let i = firstAt(flights, t - flight - dropShown(), f => f.sent);
  for (; i < flights.length && flights[i].sent <= t; i++) {
    const f = flights[i];
    const end = f.end === null ? f.sent + flight : f.end;
    if (f.lost ? t > end + dropShown() : t >= end) continue;
    const share = end > f.sent ? Math.min((t - f.sent) / (end - f.sent), 1) : 0.15;
    const p = ringPoint(f.from, n), q = ringPoint(f.to, n);
    const along = edge / Math.hypot(q.x - p.x, q.y - p.y); // the share of the way a disc's edge takes
    const at = along + (1 - 2 * along) * share;
    const x = p.x + (q.x - p.x) * at, y = p.y + (q.y - p.y) * at;
    const crossed = f.lost && t >= end;
    let drawn = drawnFlights.get(f);
    if (!drawn || drawn.crossed !== crossed) {
      if (drawn) drawn.el.remove();
      drawn = { el: svg('g', {}), crossed };
      drawn.el.appendChild(crossed ? cross() : dot(f));
      if (!crossed) { // a click drops it, where it is drawn (RaftScope's message menu)
        const title = svg('title', {});
        title.textContent = `${f.msg}${f.entries ? ` with ${f.entries} entries` : ''}${f.granted === undefined ? '' : f.granted ? ', yes' : ', no'} from node ${f.from} to node ${f.to}, sent at ${formatTime(f.sent)}: click to drop it`;
        drawn.el.appendChild(title);
        drawn.el.classList.add('flight');
        drawn.el.addEventListener('click', () => send(`lose ${f.from} ${f.to} ${f.msg}`, true, true));
      }
      group.appendChild(drawn.el);
      drawnFlights.set(f, drawn);
    }
    drawn.el.setAttribute('transform', `translate(${x.toFixed(1)} ${y.toFixed(1)}) scale(${messageScale()})`);
    shown.add(f);
  }
  for (const [f, drawn] of drawnFlights) {
    if (!shown.has(f)) {
      drawn.el.remove();
      drawnFlights.delete(f);
    }
  }
}

// discEdge is how far from a node's centre, in the ring's units (1000
// across), a message must stay clear of its disc and the leader's ring.
function discEdge() {
  const cluster = document.getElementById('cluster');
  const disc = nodeElements.length ? nodeElements[0].querySelector('.disc').offsetWidth : 0;
  const ringPx = 9, messageUnits = 16 * messageScale();
  return cluster.clientWidth ? (disc / 2 + ringPx) / cluster.clientWidth * 1000 + messageUnits : 0;
}

// messageScale is how much larger than its drawing a message's shape
// shows: larger in projector mode, where a room must see it.
function messageScale() { return document.body.classList.contains('projector') ? 1.75 : 1; }

function dot(f) {
  switch (f.msg) {
    case 'RequestVote': return svg('circle', { r: 16, class: 'm-vote' });
    case 'PreVote': return svg('circle', { r: 16, class: 'm-prevote' });
    case 'TimeoutNow': return svg('rect', { x: -13, y: -13, width: 26, height: 26, transform: 'rotate(45)', class: 'm-vote' });
    case 'AppendEntries': {
      if (!f.entries) return svg('circle', { r: 9, class: 'm-heartbeat' });
      const g = svg('g', {});
      g.appendChild(svg('rect', { x: -16, y: -16, width: 32, height: 32, class: 'm-entries' }));
      const count = svg('text', { class: 'flight-count' });
      count.textContent = f.entries;
      g.appendChild(count);
      return g;
    }
  }
  return svg('circle', { r: 11, class: f.granted ? 'm-yes' : 'm-no' }); // a reply
}

function cross() {
  return svg('path', { d: 'M-14 -14L14 14M14 -14L-14 14', class: 'm-drop' });
}

// chosenNode is the node whose details show, 0 for none: a click on a
// node's disc chooses it, and a second click lets it go.
let chosenNode = 0;

// drawDetails shows the chosen node's state, and if it leads, its
// nextIndex and matchIndex for each follower.
function drawDetails(state) {
  const section = document.getElementById('details');
  const n = state.nodes[chosenNode - 1];
  const leaders = state.nodes.filter(other => other.alive && other.role === 'leader').map(other => [other.id, other.term]);
  const key = n ? JSON.stringify([n.id, n.alive, n.role, n.term, n.votedFor, n.log.length, n.commit, n.progress, leaders]) : '';
  if (section.dataset.key === key) return;
  section.dataset.key = key;
  section.hidden = !n;
  nodeElements.forEach((el, i) => {
    el.classList.toggle('chosen', i + 1 === chosenNode);
    el.querySelector('[data-action="details"]').setAttribute('aria-pressed', String(i + 1 === chosenNode));
  });
  if (!n) return;
  document.getElementById('details-title').textContent = `Node ${n.id}`;
  document.getElementById('details-state').textContent = [
    n.alive ? roleWords[n.role] : 'crashed', `term ${n.term}`, n.votedFor ? `voted for node ${n.votedFor}` : 'no vote this term',
    `log of ${n.log.length} ${n.log.length === 1 ? 'entry' : 'entries'}`, `commitIndex ${n.commit}`].join(' · ');
  const leads = state.nodes.some(other => other.alive && other.role === 'leader' && other.term >= n.term);
  document.querySelector('#details [data-action="transfer"]').hidden = !(n.alive && n.role === 'follower' && leads);
  const table = document.getElementById('details-progress');
  const leading = n.alive && n.role === 'leader';
  table.hidden = !leading;
  // A column per follower, under the row's name: follower, nextIndex, matchIndex.
  const followers = leading ? Object.entries(n.progress) : [];
  [...table.rows].forEach((row, k) => row.replaceChildren(row.cells[0], ...followers.map(([to, p]) => {
    const cell = document.createElement('td');
    cell.textContent = [to, p.next, p.match][k];
    return cell;
  })));
}

// markingLeader is the leader whose view of the followers the logs mark:
// the chosen node if it leads, else the leader of the newest term.
function markingLeader(state) {
  const leaders = state.nodes.filter(n => n.alive && n.role === 'leader').sort((a, b) => b.term - a.term);
  return leaders.find(n => n.id === chosenNode) || leaders[0];
}

// drawLogs draws each node's newest entries, committed ones filled.
const shownEntries = 14;
const termColors = ['#77777f', '#8e6bbf', '#2a8f84', '#9c755f', '#d3568f', '#4f78a8', '#878a2e', '#c06c3e'];
// The rows share their columns, one per index, under a header that
// numbers them, so that the entries at one index line up across nodes.
function drawLogs(state) {
  const rows = document.getElementById('log-rows');
  if (rows.children.length !== state.nodes.length + 1) {
    rows.replaceChildren(...[...state.nodes, null].map(() => document.createElement('div')));
  }
  const leader = markingLeader(state);
  const progress = leader ? leader.progress : {};
  // A follower that holds all the leader's log is sent from the index after it.
  const last = Math.max(0, ...state.nodes.map(n => n.log.length), ...Object.values(progress).map(p => p.next));
  const first = Math.max(1, last - shownEntries + 1);
  const indices = Array.from({ length: last - first + 1 }, (_, k) => first + k);
  const header = rows.children[0];
  if (header.dataset.key !== `${first}/${last}`) {
    header.dataset.key = `${first}/${last}`;
    header.className = 'log-row index-row';
    header.replaceChildren(cell('who', 'index'), ...indices.map(index => cell('entry index', index)));
  }
  state.nodes.forEach((n, i) => {
    const row = rows.children[i + 1];
    const p = progress[n.id] || { next: 0, match: 0 };
    const key = `${first}/${last}/${n.log.length}/${n.log.length && n.log[n.log.length - 1].term}/${n.commit}/${n.alive}/${p.next}/${p.match}`;
    if (row.dataset.key === key) return;
    row.dataset.key = key;
    row.className = 'log-row';
    const who = cell('who', `node ${n.id}`);
    const boxes = indices.map(index => {
      const e = n.log[index - 1];
      const box = !e ? cell('entry none', '') : cell(e.index <= n.commit ? 'entry committed' : 'entry', e.term);
      if (e) {
        box.style.setProperty('--term', termColors[e.term % termColors.length]);
        box.title = `entry ${e.index}, term ${e.term}: ${e.command || 'no-op'}${e.index <= n.commit ? ', committed' : ''}`;
      }
      box.classList.toggle('next', index === p.next);
      box.classList.toggle('match', index === p.match);
      if (index === p.next || index === p.match) {
        const marks = [index === p.next && `node ${leader.id} sends it from here (nextIndex)`, index === p.match && `node ${leader.id} knows it holds up to here (matchIndex)`];
        box.title = [box.title, ...marks.filter(Boolean)].filter(Boolean).join('; ');
      }
      return box;
    });
    row.replaceChildren(who, ...boxes, cell('commit', `${n.log.length} · commit ${n.commit}`));
  });
}

// cell is a span of the log grid, of className, saying text.
function cell(className, text) {
  const span = document.createElement('span');
  span.className = className;
  span.textContent = text;
  return span;
}

// drawVerdict shows the safety checker's verdict at t, with the property
// it found broken.
function drawVerdict(t) {
  const found = run.violations.filter(v => v.at_ms <= t);
  const verdict = document.getElementById('verdict');
  verdict.dataset.safety = found.length ? 'violation' : 'ok';
  // A status region is read aloud whenever it changes: it changes only
  // when what it says does.
  setText(verdict, found.length ? `VIOLATION: ${found[0].text}` : 'Safe so far: the checker found no violation');
  setAttribute(verdict, 'title', verdict.textContent); // the whole of it, where the header cuts it short
  const goTo = document.querySelector('[data-action="to-violation"]');
  goTo.hidden = run.violations.length === 0;
  if (!goTo.hidden) setText(goTo, `Go to the violation, at ${run.violations[0].at_ms.toFixed(1)} ms`);
}

// setText makes el say text, touching it only if it says something else.
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

// showViolation takes the slider to the moment of the checker's first
// violation, to see what the nodes did there.
function showViolation() {
  if (run.violations.length === 0) return;
  chosenTime = run.violations[0].at_ms;
  following = false;
  schedule();
}

// drawBanner says in one line who leads which term, how many nodes are
// down, and the checker's verdict: what a room reads from afar
// (projector mode shows it in place of the run's line).
function drawBanner(state, t) {
  const up = state.nodes.filter(n => n.alive);
  const leaders = up.filter(n => n.role === 'leader').sort((a, b) => b.term - a.term);
  const newest = Math.max(0, ...state.nodes.map(n => n.term));
  const leads = leaders.length ? `node ${leaders[0].id} leads term ${leaders[0].term}` : `no leader (term ${newest})`;
  const down = state.nodes.length - up.length;
  const crashed = down ? `${down} of ${state.nodes.length} crashed` : `all ${state.nodes.length} up`;
  const safe = run.violations.some(v => v.at_ms <= t) ? 'a safety violation' : 'safe so far';
  setText(document.getElementById('banner'), `${leads} · ${crashed} · ${safe}`);
}

// keys are the page's shortcuts, each the click of a button, as the
// legend lists them.
const keys = { p: 'pause', l: 'live', u: 'put', g: 'get', h: 'heal', a: 'align', t: 'spread', n: 'continue', j: 'projector' };

// pressed clicks the button a key stands for, unless the key is typed
// into a box or comes with a modifier, which belong to the browser.
function pressed(event) {
  const action = keys[event.key.toLowerCase()];
  if (!action || event.ctrlKey || event.metaKey || event.altKey || event.target.closest('input, select, textarea')) return;
  const button = document.querySelector(`[data-action="${action}"]`);
  if (button && !button.disabled) {
    event.preventDefault();
    button.click();
  }
}

// drawLoss shows the network's loss rate in its control, unless the class
// is choosing one there; a rate no option names (from -drop) gets one.
function drawLoss(state) {
  const drop = document.querySelector('[data-control="drop"]');
  const rate = String(state.dropRate || 0);
  if (document.activeElement === drop || drop.value === rate) return;
  if (![...drop.options].some(o => o.value === rate)) drop.add(new Option(`${Math.round(Number(rate) * 100)}%`, rate));
  drop.value = rate;
}

// setProjector turns projector mode on or off, and keeps the address
// saying so, for a reload or a bookmark.
function setProjector(on) {
  document.body.classList.toggle('projector', on);
  document.querySelector('[data-action="projector"]').setAttribute('aria-pressed', String(on));
  const url = new URL(location.href);
  if (on) url.searchParams.set('projector', ''); else url.searchParams.delete('projector');
  history.replaceState(null, '', url);
}

// drawStory lists the last notable events up to t, as short sentences.
const storyLength = 5;
let toldUpTo = -1; // run.applied when the story was last drawn
function drawStory(t) {
  if (run.applied === toldUpTo) return;
  toldUpTo = run.applied;
  const lines = [];
  for (let i = run.applied - 1; i >= 0 && lines.length < storyLength; i--) {
    const e = run.events[i];
    if (e.at_ms > t) continue;
    const text = tell(e);
    if (text) lines.push([e.at_ms, text]);
  }
  const list = document.getElementById('story-lines');
  const key = lines.map(l => l[0] + l[1]).join('|');
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  list.replaceChildren(...lines.map(([at, text]) => {
    const li = document.createElement('li');
    const time = document.createElement('time');
    time.textContent = formatTime(at);
    li.append(time, text);
    li.title = text;
    return li;
  }));
}

// tell says what a notable event did, or nothing for routine ones.
function tell(e) {
  switch (e.event) {
    case 'role':
      if (e.role === 'leader') return `node ${e.node} became leader of term ${e.term}: a majority voted for it (§5.2)`;
      if (e.role === 'candidate') {
        const why = e.cause === 'won-prevote' ? 'a majority would vote for it (PreVote, dissertation §9.6)'
          : e.cause === 'timeout-now' ? 'its leader handed over to it with TimeoutNow (dissertation §3.10)'
            : 'it heard no leader for its election timeout (§5.2)';
        return `node ${e.node} stood for election in term ${e.term}: ${why}`;
      }
      if (e.role === 'precandidate') return `node ${e.node} asked for pre-votes: it heard no leader for its election timeout (PreVote, dissertation §9.6)`;
      if (e.before === 'leader') return `node ${e.node} stepped down: ${e.cause === 'lost-quorum' ? 'it lost touch with a majority (CheckQuorum, dissertation §6.2)' : `it saw term ${e.term} (§5.1)`}`;
      return null;
    case 'commit':
      if (e.cause !== 'stored-on-majority') return null;
      return `node ${e.node} committed entry ${e.index}${e.command ? ` (${e.command.replace(/ #\S+$/, '')})` : ' (no-op)'}: a majority stores it (§5.3)`;
    case 'crash': return `node ${e.node} crashed`;
    case 'restart': return `node ${e.node} restarted`;
    case 'partition': return `the network split into ${e.groups.map(g => `{${g.join(',')}}`).join(' ')}`;
    case 'heal': return 'the partition healed';
    case 'expire': return `node ${e.node}'s election timer was made to run out`;
    case 'transfer':
      if (!e.node) return `node ${e.from}, the leader, was asked to hand its leadership over to node ${e.to} (dissertation §3.10)`;
      if (e.cause === 'transfer-aborted') return `node ${e.node} gave up handing over to node ${e.to}: it did not take over within an election timeout (§3.10)`;
      return `node ${e.node} stopped taking client commands, to bring node ${e.to} up to date and hand over (§3.10)`;
    case 'retime': return `node ${e.node}'s election timer was set to run out in ${formatTime(e.timeout_ms)}`;
    case 'truncate': return `node ${e.node} deleted its entries from ${e.index} on: they conflict with its leader's (§5.3)`;
    case 'read': {
      const answer = `node ${e.node} answered ${e.command.replace(/ #\S+$/, '')} with ${e.reason || 'no value'}`;
      if (e.cause === 'break-stale-read') return `${answer} from its own state, without asking a majority whether it still leads`;
      return `${answer}, once a majority answered a heartbeat sent after the read came (dissertation §6.4)`;
    }
    case 'note': return e.reason;
    case 'operator': return `> ${e.reason}`;
  }
  return null;
}

function formatTime(ms) {
  return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(3)} s`;
}

// drawTime sets the slider over the stretch the page holds.
function drawTime(t) {
  const slider = document.getElementById('time');
  slider.min = run.base ? run.base.at : 0;
  slider.max = Math.max(viewTimeLimit(), slider.min);
  if (following || document.activeElement !== slider) slider.value = t;
  setText(document.getElementById('time-label'), formatTime(t));
  // Read aloud to the tenth of a second: a value that changed every frame
  // would rebuild the page's accessibility tree every frame.
  const tenths = ms => formatTime(Math.round(ms / 100) * 100);
  setAttribute(slider, 'aria-valuetext', `${tenths(Number(slider.value))}, of ${tenths(Number(slider.max))}`);
  const c = run.clock;
  const past = !following && (c.live || t < viewTimeLimit());
  const key = `${following}/${past}/${c.live}/${c.paused}/${c.slow}`;
  if (slider.dataset.key === key) return;
  slider.dataset.key = key; // what follows changes only with it
  document.querySelector('[data-action="live"]').disabled = following;
  document.getElementById('past').hidden = !past;
  document.body.classList.toggle('in-past', past);
  document.getElementById('pace').textContent = !c.live ? 'the run has ended' : c.paused ? 'paused'
    : c.slow === 1 ? 'in real time' : `${c.slow}× slower than real time`;
  const pause = document.querySelector('[data-action="pause"]');
  pause.textContent = c.paused ? 'Resume' : 'Pause';
  pause.disabled = !c.live;
  document.querySelector('[data-action="step"]').disabled = !c.live || !c.paused;
  const speed = document.querySelector('[data-control="speed"]');
  if (document.activeElement !== speed) {
    speed.value = c.slow;
    document.getElementById('speed').textContent = `${c.slow}×`;
  }
}

// setAttribute sets el's attribute name to value, if it is not that yet.
function setAttribute(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

// viewTimeLimit is the latest moment the slider reaches: what following
// would show now.
function viewTimeLimit() {
  return Math.max(presentTime() - lag(), run.base ? run.base.at : 0);
}

function draw() {
  if (!run || !run.base) return;
  const t = viewTime();
  const state = stateAt(t);
  drawBanner(state, t);
  drawLoss(state);
  drawNodes(state, t);
  drawLinks(state);
  drawFlights(t);
  drawDetails(state);
  drawLogs(state);
  drawVerdict(t);
  drawStory(t);
  drawTime(t);
}

// The picture is redrawn at most once per animation frame, and no more
// than 30 times a second, while the run moves and the page follows it, and
// otherwise only when something changes, so that a paused or ended run
// costs no CPU. A hidden tab gets no animation frames, so draws nothing.
const leastFrameMs = 1000 / 30 - 2; // a little less: frames come at 60 a second, give or take
let frame = 0;
let drawnAt = -Infinity;
let redraw = false; // something changed since the last draw
function schedule() {
  redraw = true;
  if (!frame) frame = requestAnimationFrame(tick);
}
function tick(now) {
  frame = 0;
  const moving = run && following && run.clock.live && !run.clock.paused;
  if (redraw && !moving || now - drawnAt >= leastFrameMs) {
    redraw = false;
    drawnAt = now;
    draw();
  }
  if (moving || redraw) frame = requestAnimationFrame(tick);
}

// ---- The lesson ----

// showLesson shows the lesson's step (lesson.go): what just happened and
// why, the question the class is to answer first, with a button for each
// answer, and whether its last prediction was right. The run stands still
// while a step waits; Continue, or an answer, lets it go on.
function showLesson(step) {
  document.getElementById('lesson').hidden = false;
  setText(document.getElementById('lesson-story'), step.story);
  setText(document.getElementById('lesson-step'), step.over ? '(over)' : `(step ${step.number})`);
  setText(document.getElementById('lesson-verdict'), step.guess ? `You predicted ${step.guess}: ${step.right ? 'right.' : 'not this time.'}` : '');
  setText(document.getElementById('lesson-caption'), step.caption ? sentence(step.caption) : '');
  setText(document.getElementById('lesson-question'), step.question ? `Predict first: ${step.question}` : '');
  const asking = step.waiting && step.choices && step.choices.length > 0;
  document.getElementById('lesson-choices').replaceChildren(...(asking ? step.choices : []).map(choice => {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = choice;
    button.addEventListener('click', () => send(`predict ${choice}`, false));
    return button;
  }));
  const next = document.querySelector('[data-action="continue"]');
  next.hidden = !step.waiting || asking;
}

// sentence is text with a capital letter, as a caption begins.
function sentence(text) {
  return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?)]$/.test(text) ? '' : '.');
}

// ---- Commands ----

// send asks the server to run a console command. At a moment in the past,
// or, shown, at the moment drawn (a message clicked is where it is drawn,
// a flight behind the run), a command that changes the cluster says
// which: the server then forks the run there, and the page follows the
// new run. Each command's outcome
// gets a line of its own under the buttons, since a put may answer after
// later commands.
async function send(command, changesCluster = true, shown = !following) {
  const body = { command };
  if (shown && changesCluster) body.at_ms = viewTime();
  const line = say(`${command}…`);
  try {
    const response = await fetch('command', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok || !answer.ok) throw new Error(answer.error || response.statusText);
    line.textContent = `${command}: done`;
    if (changesCluster) following = true;
  } catch (err) {
    line.className = 'error';
    line.textContent = err.message;
  }
  schedule();
}

// say adds a line under the buttons, keeping the last few.
function say(text, className = '') {
  const lines = document.getElementById('message');
  const line = document.createElement('li');
  line.textContent = text;
  line.className = className;
  lines.prepend(line);
  while (lines.children.length > 3) lines.lastElementChild.remove();
  return line;
}

function selectedNodes() {
  return nodeElements.filter(el => el.querySelector('[data-control="select"]').checked).map(el => Number(el.dataset.node));
}

function setUpControls() {
  const on = (selector, handler) => document.querySelector(selector).addEventListener('click', handler);
  on('[data-action="pause"]', () => send(run.clock.paused ? 'resume' : 'pause', false));
  on('[data-action="step"]', () => send('step 5ms', false));
  on('[data-action="put"]', () => {
    const key = document.getElementById('key').value.trim() || 'x';
    const value = document.getElementById('value');
    send(`put ${key} ${value.value.trim() || '1'}`);
    if (/^\d+$/.test(value.value)) value.value = Number(value.value) + 1;
  });
  on('[data-action="get"]', () => send(`get ${document.getElementById('key').value.trim() || 'x'}`));
  on('[data-action="partition"]', () => {
    const chosen = selectedNodes();
    const others = nodeElements.map(el => Number(el.dataset.node)).filter(id => !chosen.includes(id));
    if (!chosen.length || !others.length) {
      say('select the nodes of one side first (the select box under each node)', 'error');
      return;
    }
    send(`partition ${chosen.join(',')} ${others.join(',')}`);
    for (const el of nodeElements) el.querySelector('[data-control="select"]').checked = false;
  });
  on('[data-action="heal"]', () => send('heal'));
  on('[data-action="continue"]', () => send('continue', false));
  on('[data-action="transfer"]', () => send(`transfer ${chosenNode}`));
  on('[data-action="align"]', () => send('align'));
  on('[data-action="spread"]', () => send('spread'));
  on('[data-action="run"]', () => send(`run ${document.getElementById('seed').value.trim()}`.trim()));
  on('[data-action="live"]', () => { following = true; schedule(); });
  on('[data-action="to-violation"]', showViolation);
  on('[data-action="projector"]', () => setProjector(!document.body.classList.contains('projector')));
  const drop = document.querySelector('[data-control="drop"]');
  drop.addEventListener('change', () => send(`drop ${drop.value}`));
  document.addEventListener('keydown', pressed);
  if (new URLSearchParams(location.search).has('projector')) setProjector(true);
  const speed = document.querySelector('[data-control="speed"]');
  speed.addEventListener('input', () => { document.getElementById('speed').textContent = `${speed.value}×`; });
  speed.addEventListener('change', () => send(`slow ${speed.value}`, false));
  const slider = document.getElementById('time');
  slider.addEventListener('input', () => {
    chosenTime = Number(slider.value);
    following = chosenTime >= viewTimeLimit();
    schedule();
  });
}

// ---- The stream ----

function listen() {
  const source = new EventSource('events');
  const on = (name, handler) => source.addEventListener(name, e => handler(JSON.parse(e.data)));
  on('run', newRun);
  on('snapshot', setBase);
  on('events', addEvents);
  on('history', addHistory);
  on('lesson', showLesson);
  on('safety', violations => { run.violations = violations; schedule(); });
  on('clock', c => {
    run.clock = { at: c.at_ms, slow: c.slow, paused: c.paused, live: c.live, wall: performance.now() };
    schedule();
  });
  source.addEventListener('error', () => {
    document.getElementById('run').textContent = 'Lost the server: it has stopped, or is restarting (the page tries again).';
  });
}

setUpControls();
listen();
