#!/usr/bin/env bash
# A plain curl walk of a Fortnox API (the simulator, or the real thing with a service account):
# token by client credentials, every list page and detail of every data set, a file, an invoice PDF and
# the SIE files of every financial year. Prints what it read and fails on any unexpected answer.
#
#   scripts/curl-walk.sh BASE_URL CLIENT_ID CLIENT_SECRET TENANT_ID [OUT_DIR]
#
# Needs curl and jq. Requests are spaced to stay inside Fortnox's 25 requests per 5 seconds unless
# WALK_DELAY (seconds between requests, default 0.21) says otherwise.
set -euo pipefail
base=${1:?base URL}; client=${2:?client id}; secret=${3:?client secret}; tenant=${4:?tenant id}
out=${5:-$(mktemp -d)}
delay=${WALK_DELAY:-0.21}
mkdir -p "$out"

: > "$out/requests.log"
token=$(curl -sS --fail-with-body -u "$client:$secret" -H "TenantId: $tenant" \
  -d grant_type=client_credentials "$base/oauth-v1/token" | jq -er .access_token)
echo POST /oauth-v1/token >> "$out/requests.log"

get() { # get PATH OUTFILE → prints HTTP status
  sleep "$delay"; echo "GET $1" >> "$out/requests.log"
  curl -sS -o "$2" -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Accept: application/json' "$base$1"
}
must() { # must PATH OUTFILE
  local status; status=$(get "$1" "$2")
  [ "$status" = 200 ] || { echo "GET $1 answered $status: $(head -c 300 "$2")" >&2; exit 1; }
}
walk() { # walk PATH LISTKEY [QUERY] → writes every item's @url to stdout
  local path=$1 key=$2 query=${3:-} page=1 pages=1 sep='?'
  [ -n "$query" ] && sep='&'
  while [ "$page" -le "$pages" ]; do
    must "$path${query:+?$query}${sep}limit=500&page=$page" "$out/page.json"
    pages=$(jq -er '.MetaInformation["@TotalPages"]' "$out/page.json")
    jq -er --arg k "$key" '.[$k][]["@url"]' "$out/page.json" || true
    [ "$pages" -eq 0 ] && break
    page=$((page + 1))
  done
}
detail() { # detail URL
  local path=${1#"$base"}
  must "$path" "$out/detail.json"
}

must /3/companyinformation "$out/company.json"
printf 'Company: %s (%s), tenant %s\n' "$(jq -r .CompanyInformation.CompanyName "$out/company.json")" \
  "$(jq -r .CompanyInformation.OrganizationNumber "$out/company.json")" "$(jq -r .CompanyInformation.DatabaseNumber "$out/company.json")"

for pair in customers:Customers suppliers:Suppliers articles:Articles projects:Projects costcenters:CostCenters \
            invoices:Invoices supplierinvoices:SupplierInvoices \
            supplierinvoicefileconnections:SupplierInvoiceFileConnections voucherfileconnections:VoucherFileConnections; do
  path=/3/${pair%%:*}; key=${pair#*:}
  n=0
  while read -r url; do detail "$url"; n=$((n + 1)); done < <(walk "$path" "$key")
  printf '%-34s %6d records, each read in detail\n' "$path" "$n"
done

must /3/financialyears "$out/years.json"
for year in $(jq -r '.FinancialYears[].Id' "$out/years.json"); do
  accounts=$(walk /3/accounts Accounts "financialyear=$year" | wc -l)
  vouchers=0
  while read -r url; do detail "$url"; vouchers=$((vouchers + 1)); done < <(walk /3/vouchers Vouchers "financialyear=$year")
  for type in 1 2 3 4; do must "/3/sie/$type?financialyear=$year" "$out/year$year.se$type"; done
  printf 'financial year %-4s %s–%s: %5d accounts, %5d vouchers, SIE 1–4 %s bytes\n' "$year" \
    "$(jq -r --argjson y "$year" '.FinancialYears[] | select(.Id == $y) | .FromDate' "$out/years.json")" \
    "$(jq -r --argjson y "$year" '.FinancialYears[] | select(.Id == $y) | .ToDate' "$out/years.json")" \
    "$accounts" "$vouchers" "$(cat "$out"/year"$year".se? | wc -c)"
done

must '/3/supplierinvoicefileconnections?limit=1' "$out/conn.json"
file=$(jq -er '.SupplierInvoiceFileConnections[0].FileId' "$out/conn.json")
must "/3/archive/$file" "$out/attachment"
printf 'attachment %s: %s\n' "$file" "$(file -b "$out/attachment" 2>/dev/null || wc -c < "$out/attachment")"

must '/3/invoices?limit=1' "$out/inv.json"
doc=$(jq -er '.Invoices[0].DocumentNumber' "$out/inv.json")
must "/3/invoices/$doc/preview" "$out/invoice-$doc.pdf"
head -c 5 "$out/invoice-$doc.pdf" | grep -q '%PDF-' || { echo "invoice $doc preview is not a PDF" >&2; exit 1; }
printf 'invoice %s preview: PDF, %s bytes\n' "$doc" "$(wc -c < "$out/invoice-$doc.pdf")"

echo "walk complete: $(wc -l < "$out/requests.log") requests, files in $out"
