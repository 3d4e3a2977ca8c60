// The page: starts the worker, shows its progress and results.
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

function run() {
  $("run").disabled = true;
  $("result").dataset.state = "running";
  $("result").textContent = "";
  const worker = new Worker(new URL("worker.js", import.meta.url), { type: "module" });
  worker.onmessage = ({ data }) => {
    switch (data.type) {
      case "step":
        $("status").textContent = data.text;
        $("progress").value = data.step;
        break;
      case "field":
        $(data.id).textContent = data.text;
        break;
      case "done":
        $("progress").value = $("progress").max;
        $("status").textContent = "done";
        $("result").dataset.state = "done";
        $("result").textContent = "Transfer proven and verified in the browser.";
        worker.terminate();
        break;
      case "error":
        $("status").textContent = "failed";
        $("result").dataset.state = "error";
        $("result").textContent = `${data.name} (${data.kind}): ${data.message}`;
        worker.terminate();
        break;
    }
  };
  worker.postMessage({ keys: params.get("keys") ?? "../artifacts/keys/" });
}

$("run").addEventListener("click", run);
if (params.has("auto")) run();
