# The chargeback statement of issue 12 (and the report safety of issue 10, item 8) against the built module: the
# natural pipeline allocates, tokens travel with cost, the CSV sums in any spreadsheet, periods reconcile one by one,
# FOCUS files are written, and the HTML report, rendered by a real headless Chromium and inspected over the DevTools
# protocol, keeps every amount column on screen, isolates hostile values, wraps ARNs between their parts, draws every
# model, has round axis ticks and no empty column. Money from samples/expected.json is read as exact decimals.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'chromium.ps1')
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-statement-$([guid]::NewGuid())"
    $null = New-Item -ItemType Directory -Path $Work

    # The generator's truth (expected.json, numbers as exact decimals): the Bedrock total of a period, its tokens.
    function script:TruthOf([string]$Period, [string]$Field) { (Get-Truth $Period).bedrock.$Field }
    function script:TokensOf([string]$Period) {
        $b = (Get-Truth $Period).bedrock
        $b.inputTokens + $b.outputTokens + $b.cacheReadTokens + $b.cacheWriteTokens
    }

    # A loose CUR 2.0 CSV holding what a real bill can: a tag value of 256 characters (the AWS maximum, with no
    # space to break at), a very long role and session ARN, a right-to-left override ("gnp.exe" would read
    # "exe.png") and a NUL byte in tag values.
    $script:Long = 'cc-' + ('x' * 253)
    $script:LongArn = 'arn:aws:sts::123456789012:assumed-role/data-platform-shared-inference-service-role-production/orchestrator-session-0123456789abcdef0123456789abcdef'
    $script:Hostile = Join-Path $Work 'hostile-cur.csv'
    $rows = foreach ($r in @(
            @{ P = $LongArn; Team = $Long; Cost = 12.5; Amount = 1500 }
            @{ P = 'arn:aws:iam::123456789012:user/rtl'; Team = "finance$([char]0x202E)gnp.exe"; Cost = 3.25; Amount = 400 }
            @{ P = 'arn:aws:iam::123456789012:user/nul'; Team = "nul$([char]0)team"; Cost = 1.75; Amount = 100 }
            # A credit on a model with no usage: that model's total is negative.
            @{ P = ''; Team = $null; Cost = -2; Amount = 0; Type = 'Credit'; UsageType = 'USE1-Claude4.6Opus-input-tokens' })) {
        [pscustomobject][ordered]@{
            bill_billing_period_start_date = '2026-07-01T00:00:00Z'
            line_item_line_item_type       = if ($r.Type) { $r.Type } else { 'Usage' }
            line_item_usage_start_date     = '2026-07-03T00:00:00Z'
            line_item_product_code         = 'AmazonBedrock'
            line_item_usage_type           = if ($r.UsageType) { $r.UsageType } else { 'USE1-Claude4.6Sonnet-input-tokens' }
            line_item_usage_amount         = $r.Amount
            line_item_unblended_cost       = $r.Cost
            line_item_currency_code        = 'USD'
            line_item_usage_account_id     = '123456789012'
            line_item_iam_principal        = $r.P
            pricing_unit                   = '1K tokens'
            tags                           = if ($r.Team) { ConvertTo-Json -Compress @{ 'iamPrincipal/team' = $r.Team } } else { '{}' }
        }
    }
    $rows | Export-Csv -LiteralPath $Hostile -NoTypeInformation -Encoding utf8NoBOM
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction Ignore
}

Describe 'The chargeback statement' {
    It 'allocates from the natural pipeline: rows per principal read their principal''s tag when a chargeback asks' {
        $lines = Get-BedrockCostByPrincipal -Path $SamplePath | ConvertTo-BedrockChargeback -CostCenterTag team -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        # Direct cost per team is each team's cost in the truth (the sample's principals keep their team all month).
        foreach ($t in (Get-Truth 2026-06).teams | Where-Object team) {
            Get-DecimalSum ($lines | Where-Object { $_.CostCenter -ceq $t.team -and $_.LineType -eq 'Direct' }) | Should -Be $t.unblendedCost -Because $t.team
        }
        ($lines | Where-Object LineType -EQ 'Direct').CostCenter | Should -Not -Contain '(unallocated)'
    }

    It 'carries tokens on every line, shares included, and says so in the reconciliation (policy <_>)' -ForEach 'Keep', 'Proportional', 'Even' {
        $files = Export-BedrockChargeback -Path $SamplePath -CostCenterTag team -UnallocatedPolicy $_ -Format Csv -Destination (Join-Path $Work "tokens-$_.csv") -Verbose 4>&1 |
            Tee-Object -Variable all | Where-Object { $_ -is [System.IO.FileInfo] }
        $lines = Import-Csv -LiteralPath $files[0].FullName
        foreach ($f in 'InputTokens', 'OutputTokens', 'CacheReadTokens', 'CacheWriteTokens') {
            Get-DecimalSum $lines $f | Should -Be (TruthOf 2026-06 ($f.Substring(0, 1).ToLower() + $f.Substring(1))) -Because $f
        }
        if ($_ -ne 'Keep') {
            $shares = $lines | Where-Object { $_.LineType -eq 'Allocation' -and $_.Principal -like '*BatchRunner*' }
            $shares | Should -Not -BeNullOrEmpty
            $shares | ForEach-Object { [long]$_.TotalTokens | Should -BeGreaterThan 0 }
        }
        $summary = Import-Csv -LiteralPath $files[1].FullName
        ConvertTo-Decimal ($summary | Where-Object RowType -EQ 'SourceTotal').Tokens | Should -Be (TokensOf 2026-06)
        ConvertTo-Decimal ($summary | Where-Object RowType -EQ 'Difference').Tokens | Should -Be 0
        ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Reconciliation: 2026-06*' }).Message |
            Should -Match "tokens: source $(TokensOf 2026-06), allocated $(TokensOf 2026-06), difference 0"
    }

    It 'writes a lines CSV whose Cost column sums to the bill, every cost basis filled, and the totals in a summary file' {
        $lines, $summary = Export-BedrockChargeback -Path $SamplePath -CostCenterTag team -UnallocatedPolicy Proportional -Format Csv -Destination (Join-Path $Work 'sum.csv')
        $rows = Import-Csv -LiteralPath $lines.FullName
        $rows[0].PSObject.Properties.Name | Should -Not -Contain 'RowType'
        Get-DecimalSum $rows Cost | Should -Be (TruthOf 2026-06 unblendedCost)
        Get-DecimalSum $rows UnblendedCost | Should -Be (TruthOf 2026-06 unblendedCost)
        Get-DecimalSum $rows NetUnblendedCost | Should -Be (TruthOf 2026-06 netUnblendedCost)
        $rows | ForEach-Object { $_.UnblendedCost | Should -Not -BeNullOrEmpty; $_.NetUnblendedCost | Should -Not -BeNullOrEmpty }
        $totals = Import-Csv -LiteralPath $summary.FullName
        ($totals.RowType | Sort-Object -Unique) | Should -Be 'AllocatedTotal', 'CostCenterTotal', 'Difference', 'SourceTotal'
    }

    It 'splits a statement over several billing periods into lines per period that reconcile one by one' {
        $files = Export-BedrockChargeback -Path $SamplePath -BillingPeriod 2026-05, 2026-06 -CostCenterTag team -UnallocatedPolicy Proportional -Format Csv, Json -Destination (Join-Path $Work 'two/')
        $files.Name | Should -Contain 'bedrock-chargeback-2026-05_2026-06.csv'
        $rows = Import-Csv -LiteralPath ($files | Where-Object Name -EQ 'bedrock-chargeback-2026-05_2026-06.csv').FullName
        ($rows.BillingPeriod | Sort-Object -Unique) | Should -Be '2026-05', '2026-06'
        foreach ($period in '2026-05', '2026-06') {
            Get-DecimalSum ($rows | Where-Object BillingPeriod -EQ $period) Cost | Should -Be (TruthOf $period unblendedCost) -Because $period
            Get-DecimalSum ($rows | Where-Object BillingPeriod -EQ $period) TotalTokens | Should -Be (TokensOf $period) -Because $period
        }
        $summary = Import-Csv -LiteralPath ($files | Where-Object Name -Like '*-summary.csv').FullName
        ($summary | Where-Object RowType -EQ 'SourceTotal').BillingPeriod | Should -Be '2026-05', '2026-06'
        ($summary | Where-Object RowType -EQ 'Difference').Cost | ForEach-Object { [decimal]$_ | Should -Be 0 }
        $json = Get-Content -Raw -LiteralPath ($files | Where-Object Extension -EQ '.json').FullName | ConvertFrom-Json
        $json.reconciliation.billingPeriod | Should -Be '2026-05', '2026-06'
        $json.reconciles | Should -BeTrue
    }

    It 'writes a FOCUS dataset, CSV and Parquet, whose BilledCost sums to the bill' {
        $files = Export-BedrockChargeback -Path $SamplePath -CostCenterTag team -UnallocatedPolicy Proportional -Format Focus -Destination (Join-Path $Work 'focus.parquet')
        ($files.Name | Sort-Object) | Should -Be 'focus.csv', 'focus.parquet'
        (Get-Content -LiteralPath ($files | Where-Object Extension -EQ '.parquet').FullName -AsByteStream -TotalCount 4) | Should -Be 80, 65, 82, 49   # PAR1
        $rows = Import-Csv -LiteralPath ($files | Where-Object Extension -EQ '.csv').FullName
        Get-DecimalSum $rows BilledCost | Should -Be (TruthOf 2026-06 unblendedCost)
        $rows[0].PSObject.Properties.Name | Should -Contain 'AllocatedMethodId'
        $rows[0].PSObject.Properties.Name | Should -Contain 'x_InputTokens'
        ($rows.ServiceName | Sort-Object -Unique) | Should -Be 'Amazon Bedrock'
    }

    It 'keeps control characters out of the CSV (NUL, line breaks)' {
        $lines, $null = Export-BedrockChargeback -LiteralPath $Hostile -CostCenterTag team -Format Csv -Destination (Join-Path $Work 'controls.csv')
        $bytes = [System.IO.File]::ReadAllBytes($lines.FullName)
        $bytes | Should -Not -Contain 0
        $rows = Import-Csv -LiteralPath $lines.FullName
        $rows.CostCenter | Should -Contain "nul$([char]0xFFFD)team"
        ($rows | Where-Object CostCenter -EQ $Long).Principal | Should -Be $LongArn
    }
}

Describe 'The HTML statement in headless Chromium (DevTools protocol)' {
    BeforeAll {
        $script:Browser = Start-Chromium -ProfileRoot $Work
        function script:UriOf([string]$Path) { [System.Uri]::new($Path, [System.UriKind]::Absolute).AbsoluteUri }
        $script:SampleHtml = (Export-BedrockChargeback -Path $SamplePath -CostCenterTag team -UnallocatedPolicy Proportional -Format Html -Destination (Join-Path $Work 'sample.html')).FullName
        $script:HostileHtml = (Export-BedrockChargeback -LiteralPath $Hostile -CostCenterTag team -Format Html -Destination (Join-Path $Work 'hostile.html')).FullName
        # Layout facts of a rendered page, as the browser laid it out.
        $script:LayoutScript = @'
JSON.stringify((() => {
  const vw = document.documentElement.clientWidth;
  const amounts = [...document.querySelectorAll('td.num, th.num')].map(e => e.getBoundingClientRect().right);
  const cells = [...document.querySelectorAll('td.text')].filter(td => td.textContent.trim().length > 0);
  return {
    viewport: vw,
    scrollWidth: document.documentElement.scrollWidth,
    amountCells: amounts.length,
    maxAmountRight: Math.max(...amounts),
    widestCell: Math.max(...cells.map(td => td.getBoundingClientRect().right)),
    unisolated: cells.filter(td => !td.firstElementChild || td.firstElementChild.tagName !== 'BDI').map(td => td.textContent),
  };
})())
'@
    }
    AfterAll { Stop-Chromium $Browser }

    It 'keeps every amount column on screen at <_> px, with a 256-character tag value and a long ARN' -ForEach 1280, 1024, 800 {
        $page = Open-Page -Browser $Browser -Url (UriOf $HostileHtml) -Width $_
        try {
            $layout = Invoke-PageScript -Page $page -Expression $LayoutScript
            $layout.amountCells | Should -BeGreaterThan 10
            $layout.maxAmountRight | Should -BeLessOrEqual $layout.viewport
            $layout.widestCell | Should -BeLessOrEqual $layout.viewport
            $layout.scrollWidth | Should -BeLessOrEqual $layout.viewport
            $layout.unisolated | Should -BeNullOrEmpty
        }
        finally { Close-Page $page }
    }

    It 'isolates values so a right-to-left override cannot reorder the text around it, and shows the override' {
        $facts = Get-RenderedPage -Browser $Browser -Url (UriOf $HostileHtml) -Expression @'
JSON.stringify((() => {
  const bdis = [...document.querySelectorAll('bdi')].filter(b => b.textContent.includes('gnp.exe'));
  return {
    isolated: bdis.length,
    override: document.body.textContent.includes('\u202E'),
    shown: bdis.map(b => b.textContent),
    scripts: document.querySelectorAll('script, img, iframe').length,
  };
})())
'@
        $facts.isolated | Should -BeGreaterThan 0
        $facts.override | Should -BeFalse
        $facts.shown | Should -Contain "finance$([char]0xFFFD)gnp.exe"
        $facts.scripts | Should -Be 0
    }

    It 'wraps ARNs between their parts, never inside a name' {
        $facts = Get-RenderedPage -Browser $Browser -Url (UriOf $SampleHtml) -Width 800 -Expression @'
JSON.stringify((() => {
  const lines = (text) => {
    const cells = [...document.querySelectorAll('#lines td.text')].filter(td => td.textContent.includes(text));
    return cells.map(td => {
      const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const at = n.textContent.indexOf(text);
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(n, at); range.setEnd(n, at + text.length);
        return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
      }
      return -1;
    });
  };
  const arn = [...document.querySelectorAll('#lines td.text')].find(td => td.textContent.includes('carol@example.com'));
  return { batch: lines('nightly-batch'), carol: lines('carol@example.com'), breaks: arn.querySelectorAll('wbr').length };
})())
'@
        $facts.batch | Should -Not -BeNullOrEmpty
        $facts.batch | ForEach-Object { $_ | Should -Be 1 }
        $facts.carol | ForEach-Object { $_ | Should -Be 1 }
        $facts.breaks | Should -BeGreaterThan 0
    }

    It 'has a readable reason column and no empty column' {
        $facts = Get-RenderedPage -Browser $Browser -Url (UriOf $SampleHtml) -Expression @'
JSON.stringify((() => {
  const empty = [];
  for (const table of document.querySelectorAll('table')) {
    const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent);
    heads.forEach((h, i) => {
      const cells = [...table.querySelectorAll('tbody tr:not(.total)')].map(tr => tr.children[i]);
      if (!cells.some(td => td && td.textContent.trim().length > 0)) empty.push(h);
    });
  }
  const lineHeads = [...document.querySelectorAll('#lines thead th')].map(th => th.textContent);
  const reasons = [...document.querySelectorAll('#lines tbody tr')].map(tr => tr.children[lineHeads.indexOf('Reason')].textContent);
  return { empty, lineHeads, allHeads: [...document.querySelectorAll('th')].map(th => th.textContent), reasons };
})())
'@
        $facts.empty | Should -BeNullOrEmpty
        $facts.lineHeads | Should -Contain 'Reason'
        $facts.lineHeads | Should -Contain 'Share'
        $facts.allHeads | Should -Not -Contain 'Owner'    # no mapping file: no owners, no budgets
        $facts.allHeads | Should -Not -Contain 'Budget'
        $facts.reasons | Should -Contain 'untagged principal'
        $facts.reasons | ForEach-Object { $_ | Should -Not -Match '\|' }
    }

    It 'labels the daily axis with round, evenly spaced ticks that never overlap' {
        $ticks = Get-RenderedPage -Browser $Browser -Url (UriOf $SampleHtml) -Expression @'
JSON.stringify([...document.querySelectorAll('#chart-daily text.tick[text-anchor="end"]')].map(t => {
  const b = t.getBBox(); return { text: t.textContent, top: b.y, bottom: b.y + b.height };
}))
'@
        # Highest first, as they read down the axis.
        $ticks = $ticks | Sort-Object top
        $values = $ticks | ForEach-Object { [decimal]::Parse($_.text.Replace(',', ''), [System.Globalization.CultureInfo]::InvariantCulture) }
        $values.Count | Should -BeGreaterOrEqual 3
        $values | Should -Contain 0
        $steps = @(for ($i = 1; $i -lt $values.Count; $i++) { $values[$i - 1] - $values[$i] })
        $steps | Sort-Object -Unique | Should -HaveCount 1
        $steps[0] | Should -BeIn 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000
        for ($i = 1; $i -lt $ticks.Count; $i++) { $ticks[$i].top | Should -BeGreaterThan $ticks[$i - 1].bottom }
        # The data's maximum day is inside the axis.
        $values[0] | Should -BeGreaterOrEqual 600
    }

    It 'draws a bar for every model, negative totals too (<Name>)' -ForEach @(
        @{ Name = 'sample'; Html = 'SampleHtml'; Negative = @() }
        # The hostile file's only Claude Opus line is a credit: that model's total is negative.
        @{ Name = 'a negative model'; Html = 'HostileHtml'; Negative = @('Claude Opus 4.6') }) {
        $facts = Get-RenderedPage -Browser $Browser -Url (UriOf (Get-Variable -Name $Html -ValueOnly)) -Expression @'
JSON.stringify((() => {
  const bars = [...document.querySelectorAll('#chart-models g.bar')].map(g => ({
    label: g.querySelector('text').textContent,
    widths: [...g.querySelectorAll('rect')].map(r => r.getBBox().width),
    fills: [...g.querySelectorAll('rect')].map(r => r.getAttribute('fill')),
  }));
  const models = new Set([...document.querySelectorAll('section.models tbody tr')].map(tr => tr.children[0].textContent));
  return { bars, models: [...models] };
})())
'@
        $facts.bars.label | Sort-Object | Should -Be ($facts.models | Sort-Object)
        $facts.bars | ForEach-Object { ($_.widths | Measure-Object -Maximum).Maximum | Should -BeGreaterThan 0 -Because $_.label }
        foreach ($model in $Negative) { ($facts.bars | Where-Object label -EQ $model).fills | Should -Contain '#c0392b' -Because "$model is negative" }
    }

    It 'names the export, not the local path, and a screenshot shows the statement' {
        $page = Open-Page -Browser $Browser -Url (UriOf $SampleHtml) -Width 1280
        try {
            $facts = Invoke-PageScript -Page $page -Expression 'JSON.stringify({ source: document.getElementById("source").textContent, body: document.body.textContent })'
            $facts.source | Should -Match 'Source: export bedrock-cur\.'
            $facts.body | Should -Not -Match ([regex]::Escape($SamplePath))
            $facts.body | Should -Not -Match ([regex]::Escape($RepoRoot))
            $shots = Join-Path $RepoRoot 'output/screenshots'
            $null = New-Item -ItemType Directory -Force -Path $shots
            $png = Save-PageScreenshot -Page $page -Path (Join-Path $shots 'chargeback-statement.png')
            $png.Length | Should -BeGreaterThan 50000
        }
        finally { Close-Page $page }
        $page = Open-Page -Browser $Browser -Url (UriOf $HostileHtml) -Width 800
        try { (Save-PageScreenshot -Page $page -Path (Join-Path $shots 'chargeback-hostile-800.png')).Length | Should -BeGreaterThan 20000 }
        finally { Close-Page $page }
    }
}
