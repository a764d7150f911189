// 宣讲比赛: the audience's vote page and the hall screen of a final poll the stage
// (/api/v3/competitions/rounds/<id>/stage) about every two seconds and reload the
// page when what it shows changes (the entrant on stage, the round closing, the
// result released). The server renders everything; this only keeps it current.

const POLL_MS = 2000;
const root = document.querySelector("[data-competition-stage]");

function fingerprint(state) {
  return JSON.stringify([state.current?.entry_id ?? null, state.status, state.open, state.released]);
}

async function poll(roundId) {
  let seen = null;
  for (;;) {
    try {
      const response = await fetch(`/api/v3/competitions/rounds/${roundId}/stage`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        const now = fingerprint(await response.json());
        if (seen !== null && now !== seen) {
          window.location.assign(window.location.pathname); // a GET, never a re-sent form
          return;
        }
        seen = now;
      }
    } catch {
      // offline for a moment: the next poll catches up
    }
    await new Promise((resolve) => {
      setTimeout(resolve, POLL_MS);
    });
  }
}

if (root) poll(root.dataset.competitionStage);
