// A TypeScript program typed by the types openapi-typescript generates from catrack's /api/schema/
// (./schema.ts, written by the test): it lists summits, pledges and trade flows, reads a CSV and an error.
// `tsc --strict` must accept it; run against a live server, it prints what it read as one JSON line.
import type { components, paths } from "./schema";

declare const process: { argv: string[] };

type SummitQuery = NonNullable<paths["/api/v1/summits/"]["get"]["parameters"]["query"]>;
type SummitPage = paths["/api/v1/summits/"]["get"]["responses"][200]["content"]["application/json"];
type PledgePage = paths["/api/v1/pledges/"]["get"]["responses"][200]["content"]["application/json"];
type TradeFlowPage = paths["/api/v1/trade-flows/"]["get"]["responses"][200]["content"]["application/json"];
type SummitCsv = paths["/api/v1/summits.csv"]["get"]["responses"][200]["content"]["text/csv"];
type ApiError = components["schemas"]["Error"];

const base: string = process.argv[2] ?? "http://127.0.0.1:8000";

// A query as generated clients send it: a list as the parameter repeated (form, explode).
function url(path: string, query: Record<string, string | number | boolean | string[] | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      params.append(name, String(one));
    }
  }
  return `${base}${path}?${params.toString()}`;
}

async function read<T>(address: string): Promise<T> {
  const response = await fetch(address, { headers: { Accept: "application/json" } });
  return (await response.json()) as T;
}

async function main(): Promise<void> {
  const query: SummitQuery = { partner: ["japan-ts", "china-ts"], year_min: 2000, ordering: ["-date"] };
  const summits = await read<SummitPage>(url("/api/v1/summits/", query));
  const pledges = await read<PledgePage>(url("/api/v1/pledges/", {}));
  const flows = await read<TradeFlowPage>(url("/api/v1/trade-flows/", {}));
  const csv: SummitCsv = await (await fetch(url("/api/v1/summits.csv", { partner: ["japan-ts"] }))).text();
  const error = await read<ApiError>(url("/api/v1/summits/", { yeer: 2025 }));
  const messages: string[] = Object.entries(error).map(([name, value]) => `${name}: ${String(value)}`);
  console.log(
    JSON.stringify({
      summits: summits.results.map((summit) => summit.title_en),
      summit_count: summits.count,
      pledge_donors: pledges.results.map((pledge) => pledge.donor.slug),
      flow_years: flows.results.map((flow) => flow.year),
      csv_header: csv.split("\n")[0],
      error: messages,
    }),
  );
}

void main();
