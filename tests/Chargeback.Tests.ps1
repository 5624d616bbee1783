# ConvertTo-BedrockChargeback and Export-BedrockChargeback against the built module and the sample export, checked
# against the sample's independent truth (samples/expected.json), with the HTML report rendered in a real headless
# Chromium and its DOM inspected.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-chargeback-$([guid]::NewGuid())"
    $null = New-Item -ItemType Directory -Path $Work
    $script:Mapping = Join-Path $Work 'map.csv'
    Set-Content -LiteralPath $Mapping -Value @(
        'Pattern,Match,CostCenter,Owner,MonthlyBudget'
        '*:user/alice,Principal,CC-ALICE,Ann <ann@example.com>,100'
        'BatchRunner,Role,CC-BATCH,,'
    )
    # The mapping file's rules, as the truth's principals meet them (first match wins).
    $script:MappingRule = {
        param($p)
        if ($p.principal -like '*:user/alice') { 'CC-ALICE' } elseif ($p.principal -like '*:assumed-role/BatchRunner/*') { 'CC-BATCH' }
    }
    $script:June = Get-Truth 2026-06

    # Lines summed per cost centre equal what expected.json says each must be charged (split shares to 1e-6).
    function script:Assert-CostCentres($Lines, $Expected, [decimal]$Tolerance = 0) {
        $actual = Get-DecimalSumBy $Lines { $args[0].CostCenter }
        @($actual.Keys | Sort-Object -CaseSensitive) | Should -Be @($Expected.Keys | Sort-Object -CaseSensitive)
        foreach ($cc in $Expected.Keys) {
            [Math]::Abs($actual[$cc] - $Expected[$cc]) | Should -BeLessOrEqual $Tolerance -Because "$cc is charged $($actual[$cc]), expected $($Expected[$cc])"
        }
    }
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction Ignore
}

Describe 'ConvertTo-BedrockChargeback' {
    It 'charges each cost centre what the truth says under policy <_>, and adds up to the Bedrock total' -ForEach 'Keep', 'Proportional', 'Even', 'Assign' {
        $lines = ConvertTo-BedrockChargeback -Path $SamplePath -CostCenterTag cost-center -UnallocatedPolicy $_ -UnallocatedOwner IT
        $lines[0].PSObject.TypeNames | Should -Contain 'BedrockCost.Core.Allocation.ChargebackLine'
        Get-DecimalSum $lines | Should -Be $June.bedrock.unblendedCost
        $expected = Get-ExpectedCostCentre -Truth $June -Tag 'iamPrincipal/cost-center' -Policy $_ -Owner IT
        Assert-CostCentres $lines $expected -Tolerance $(if ($_ -in 'Keep', 'Assign') { 0 } else { 0.000001 })
        if ($_ -ne 'Keep') { $lines.LineType | Should -Contain 'Allocation' }
    }

    It 'charges the net basis when asked' {
        $lines = ConvertTo-BedrockChargeback -Path $SamplePath -CostCenterTag cost-center -CostBasis NetUnblended
        Get-DecimalSum $lines | Should -Be $June.bedrock.netUnblendedCost
        Assert-CostCentres $lines (Get-ExpectedCostCentre -Truth $June -Tag 'iamPrincipal/cost-center' -Net)
    }

    It 'takes PrincipalCost rows from Get-BedrockCostByPrincipal' {
        $rows = Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy Principal, Model, iamPrincipal/team
        $lines = $rows | ConvertTo-BedrockChargeback -CostCenterTag team -UnallocatedPolicy Proportional
        Get-DecimalSum $lines | Should -Be $June.bedrock.unblendedCost
        Assert-CostCentres $lines (Get-ExpectedCostCentre -Truth $June -Tag 'iamPrincipal/team' -Policy Proportional) -Tolerance 0.000001
        $lines.CostCenter | Should -Not -Contain '(unallocated)'
    }

    It 'puts the mapping file ahead of the tag' {
        $lines = ConvertTo-BedrockChargeback -Path $SamplePath -CostCenterTag cost-center -MappingFile $Mapping
        $alice = $lines | Where-Object Principal -EQ 'arn:aws:iam::111122223333:user/alice'
        $alice.CostCenter | Sort-Object -Unique | Should -Be 'CC-ALICE'
        $alice[0].AssignedBy | Should -Be 'Mapping'
        $alice[0].Owner | Should -Be 'Ann <ann@example.com>'
        ($lines | Where-Object Role -EQ 'BatchRunner').CostCenter | Sort-Object -Unique | Should -Be 'CC-BATCH'
        Assert-CostCentres $lines (Get-ExpectedCostCentre -Truth $June -Tag 'iamPrincipal/cost-center' -Rule $MappingRule)
    }

    It 'implies Assign from -UnallocatedOwner' {
        $lines = ConvertTo-BedrockChargeback -Path $SamplePath -UnallocatedOwner Platform
        $lines.CostCenter | Sort-Object -Unique | Should -Be 'Platform'
        Get-DecimalSum $lines | Should -Be $June.bedrock.unblendedCost
    }

    It 'stops with UnallocatedOwnerRequired for Assign without an owner' {
        { ConvertTo-BedrockChargeback -Path $SamplePath -UnallocatedPolicy Assign } |
            Should -Throw -ErrorId 'UnallocatedOwnerRequired,BedrockCost.Commands.ConvertToBedrockChargeback'
    }

    It 'stops with <Id> for a bad mapping file' -ForEach @(
        @{ Id = 'MappingFileNotFound'; Text = $null }
        @{ Id = 'MappingFileInvalid'; Text = 'Principal,Team' }
        @{ Id = 'MappingRuleInvalid'; Text = "Pattern,Match,CostCenter`n*,Account,CC" }
    ) {
        $file = Join-Path $Work "$Id.csv"
        if ($Text) { Set-Content -LiteralPath $file -Value $Text }
        { ConvertTo-BedrockChargeback -Path $SamplePath -MappingFile $file } |
            Should -Throw -ErrorId "$Id,BedrockCost.Commands.ConvertToBedrockChargeback"
    }

    It 'writes NoChargebackInput when -InputObject holds no rows' {
        $null = ConvertTo-BedrockChargeback -InputObject @() -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'NoChargebackInput,BedrockCost.Commands.ConvertToBedrockChargeback'
    }
}

Describe 'Export-BedrockChargeback' {
    It 'writes CSV, JSON and HTML into a folder and returns their FileInfo' {
        $out = Join-Path $Work 'all'
        $files = Export-BedrockChargeback -Path $SamplePath -CostCenterTag cost-center -UnallocatedPolicy Even -Destination "$out/"
        $files | Should -HaveCount 4
        $files | ForEach-Object { $_ | Should -BeOfType System.IO.FileInfo; $_.Exists | Should -BeTrue }
        $files.Name | Should -Be 'bedrock-chargeback-2026-06.csv', 'bedrock-chargeback-2026-06-summary.csv', 'bedrock-chargeback-2026-06.json', 'bedrock-chargeback-2026-06.html'
        (Get-ChildItem -LiteralPath $out -Force).Name | Should -HaveCount 4   # no temporary files left

        $json = Get-Content -Raw -LiteralPath (Join-Path $out 'bedrock-chargeback-2026-06.json') | ConvertFrom-ExactJson
        $lineTotal = Get-DecimalSum $json.lines cost
        $lineTotal | Should -Be $June.bedrock.unblendedCost
        $json.reconciliation[0].sourceTotal | Should -Be $June.bedrock.unblendedCost
        $json.reconciliation[0].difference | Should -Be ($lineTotal - $June.bedrock.unblendedCost)
        Assert-CostCentres ($json.lines | ForEach-Object { [pscustomobject]@{ CostCenter = $_.costCenter; Cost = $_.cost } }) `
            (Get-ExpectedCostCentre -Truth $June -Tag 'iamPrincipal/cost-center' -Policy Even) -Tolerance 0.000001
    }

    It 'escapes spreadsheet formulas in the CSV and keeps the reconciliation rows in the summary file' {
        $lines, $summary = Export-BedrockChargeback -Path $SamplePath -CostCenterTag cost-center -Destination (Join-Path $Work 'cc.csv')
        $summary.Name | Should -Be 'cc-summary.csv'
        $rows = Import-Csv -LiteralPath $lines.FullName
        $rows.CostCenter | Should -Contain "'=HYPERLINK(`"http://x`")"
        $rows.CostCenter | Should -Contain "'=cmd|' /C calc'!A0"
        $rows.CostCenter | Should -Not -Contain '=HYPERLINK("http://x")'
        $rows.CostCenter | Should -Not -Contain "=cmd|' /C calc'!A0"
        # The lines file holds nothing but lines: at full precision they add up to the independent total; the summary file says the same.
        $totals = Import-Csv -LiteralPath $summary.FullName
        $lineTotal = Get-DecimalSum $rows
        $lineTotal | Should -Be $June.bedrock.unblendedCost
        ConvertTo-Decimal ($totals | Where-Object RowType -EQ 'SourceTotal').Cost | Should -Be $June.bedrock.unblendedCost
        ConvertTo-Decimal ($totals | Where-Object RowType -EQ 'Difference').Cost | Should -Be ($lineTotal - $June.bedrock.unblendedCost)
        # Per cost centre (names as the spreadsheet shows them, without the quote that neutralises a formula).
        $unescaped = $rows | ForEach-Object { [pscustomobject]@{ CostCenter = $_.CostCenter -replace "^'(?=[=+\-@])", ''; Cost = $_.Cost } }
        Assert-CostCentres $unescaped (Get-ExpectedCostCentre -Truth $June -Tag 'iamPrincipal/cost-center')
    }

    It 'writes nothing with -WhatIf' {
        $out = Join-Path $Work 'whatif'
        $result = Export-BedrockChargeback -Path $SamplePath -Destination $out -WhatIf
        $result | Should -BeNullOrEmpty
        Test-Path -LiteralPath $out | Should -BeFalse
        $existing = Join-Path $Work 'keep.html'
        Set-Content -LiteralPath $existing -Value 'old'
        Export-BedrockChargeback -Path $SamplePath -Destination $existing -Force -WhatIf
        Get-Content -LiteralPath $existing | Should -Be 'old'
    }

    It 'does not overwrite without -Force (OutputFileExists) and does with it' {
        $file = Join-Path $Work 'report.json'
        Set-Content -LiteralPath $file -Value 'old'
        $result = Export-BedrockChargeback -Path $SamplePath -Destination $file -ErrorVariable err -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'OutputFileExists,BedrockCost.Commands.ExportBedrockChargeback'
        Get-Content -LiteralPath $file | Should -Be 'old'
        $result = Export-BedrockChargeback -Path $SamplePath -Destination $file -Force
        $result.FullName | Should -Be $file
        (Get-Content -Raw -LiteralPath $file | ConvertFrom-Json).policy | Should -Be 'Keep'
    }

    It 'gives each format its extension for a file name with several formats, from the pipeline' {
        $base = Join-Path $Work 'piped/chargeback.csv'
        $null = New-Item -ItemType Directory -Path (Join-Path $Work 'piped')
        $files = Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy Principal, Model |
            Export-BedrockChargeback -Destination $base -Format Csv, Html
        $files.Name | Should -Be 'chargeback.csv', 'chargeback-summary.csv', 'chargeback.html'
    }

    It 'writes PathNotFound for a missing source and writes no file' {
        $out = Join-Path $Work 'nosource'
        $null = Export-BedrockChargeback -LiteralPath (Join-Path $Work 'no-such-export') -Destination $out -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'PathNotFound,BedrockCost.Commands.ExportBedrockChargeback'
        Test-Path -LiteralPath $out | Should -BeFalse
    }

    It 'reports DestinationNotFound when the folder of a file name is missing' {
        $null = Export-BedrockChargeback -Path $SamplePath -Destination (Join-Path $Work 'missing/x.csv') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DestinationNotFound,BedrockCost.Commands.ExportBedrockChargeback'
    }
}

Describe 'HTML report in headless Chromium' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'chromium.ps1')
        # Two statements of June: cost centres from the team tag (after the mapping file), whose values include
        # <script>, an attribute break-out and a right-to-left override; and from the cost-center tag (formulas).
        $rows = Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy Principal, Model, TokenType, Day, iamPrincipal/team
        $script:TeamHtml = ($rows | Export-BedrockChargeback -CostCenterTag team -MappingFile $Mapping -Destination (Join-Path $Work 'team.html')).FullName
        $script:CcHtml = (Export-BedrockChargeback -Path $SamplePath -CostCenterTag cost-center -Destination (Join-Path $Work 'cc.html')).FullName
        $script:TeamText = Get-Content -Raw -LiteralPath $TeamHtml

        # What the browser made of the document: element and attribute names, and the text of the parts that show figures.
        $query = @'
JSON.stringify((() => {
  const all = [...document.querySelectorAll('*')];
  const rows = sel => [...document.querySelectorAll(sel)].map(tr => [...tr.children].map(c => c.textContent));
  const bars = id => [...document.querySelectorAll('#' + id + ' g.bar')].map(g => ({
    texts: [...g.querySelectorAll(':scope > text')].map(t => t.textContent), rects: g.querySelectorAll('rect').length }));
  return {
    elements: [...new Set(all.map(e => e.localName))],
    attributes: [...new Set(all.flatMap(e => [...e.attributes].map(a => a.name)))],
    cards: [...document.querySelectorAll('#totals .card')].map(c => [...c.children].map(d => d.textContent)),
    reconciliation: rows('#reconciliation tbody tr'),
    costCentres: rows('section.cost-centres tbody tr'),
    costCentreBars: bars('chart-cost-centres'),
    modelBars: bars('chart-models'),
    modelTable: rows('section.models tbody tr'),
    dailyBars: bars('chart-daily'),
    dailyAxis: [...document.querySelectorAll('#chart-daily > text')].map(t => t.textContent),
  };
})())
'@
        $browser = Start-Chromium -ProfileRoot $Work
        try {
            $script:Team = Get-RenderedPage $browser ([System.Uri]::new($TeamHtml, [System.UriKind]::Absolute).AbsoluteUri) $query
            $script:Cc = Get-RenderedPage $browser ([System.Uri]::new($CcHtml, [System.UriKind]::Absolute).AbsoluteUri) $query
        }
        finally { Stop-Chromium $browser }

        $script:Inv = [cultureinfo]::InvariantCulture
        function script:Money([decimal]$Value) { $Value.ToString('N2', $Inv) }
        # A value as the report shows it: a left-to-right or right-to-left override is shown as U+FFFD (issue 10, item 8:
        # "finance<RLO>gnp.exe" would read "financeexe.png"); everything else exactly as it is.
        function script:Shown([string]$Value) { $Value -replace '[\u202D\u202E]', [string][char]0xFFFD }
        $script:TeamCentres = [System.Collections.Generic.Dictionary[string, decimal]]::new([System.StringComparer]::Ordinal)
        $expected = Get-ExpectedCostCentre -Truth $June -Tag 'iamPrincipal/team' -Rule $MappingRule
        foreach ($k in $expected.Keys) { $TeamCentres[(Shown $k)] = $expected[$k] }
    }

    It 'shows the Bedrock total of the truth in the summary and the reconciliation' {
        foreach ($page in $Team, $Cc) {
            $page.cards[0] | Should -Be @('Bedrock total (USD)', "$(Money $June.bedrock.unblendedCost) USD")
            $page.cards | Where-Object { $_[0] -eq 'Reconciliation' } | ForEach-Object { $_[1] | Should -Be 'Reconciled' }
            $exact = $June.bedrock.unblendedCost.ToString('#,0.00########', $Inv)
            $page.reconciliation | Should -HaveCount 1
            $b = $June.bedrock
            $tokens = ($b.inputTokens + $b.outputTokens + $b.cacheReadTokens + $b.cacheWriteTokens).ToString('N0', $Inv)
            $page.reconciliation[0] | Should -Be @('USD', $exact, $exact, '0.00', $tokens, $tokens, '0', 'Reconciled')
        }
    }

    It 'charges each cost centre what the truth says, in the table and in its chart' {
        $table = $Team.costCentres | Where-Object { $_[0] -ne 'Total' }
        @($table | ForEach-Object { $_[0] }) | Sort-Object -CaseSensitive | Should -Be @($TeamCentres.Keys | Sort-Object -CaseSensitive)
        foreach ($row in $table) {
            $row[5] | Should -Be (Money $TeamCentres[$row[0]]) -Because "the total of $($row[0])"
        }
        ($Team.costCentres | Where-Object { $_[0] -eq 'Total' })[5] | Should -Be (Money $June.bedrock.unblendedCost)
        ($table | Where-Object { $_[0] -eq 'CC-ALICE' })[1] | Should -Be 'Ann <ann@example.com>'
        # One bar per cost centre, labelled with its name and its total.
        $Team.costCentreBars | Should -HaveCount $table.Count
        foreach ($bar in $Team.costCentreBars) {
            $bar.rects | Should -Be 1
            $bar.texts[1] | Should -Be (Money $TeamCentres[$bar.texts[0]]) -Because "the bar of $($bar.texts[0])"
        }
    }

    It 'shows hostile tag values as text, never as elements or attributes' {
        $teamNames = $Team.costCentres | ForEach-Object { $_[0] }
        foreach ($value in '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "finance$([char]0x202E)gnp.exe") {
            $teamNames | Should -Contain (Shown $value) -Because 'the exact text is shown as a cost centre name (overrides as U+FFFD)'
        }
        $ccNames = $Cc.costCentres | ForEach-Object { $_[0] }
        $ccNames | Should -Contain '=HYPERLINK("http://x")'
        $ccNames | Should -Contain "=cmd|' /C calc'!A0"
        foreach ($page in $Team, $Cc) {
            $page.elements | Where-Object { $_ -notin 'html', 'head', 'meta', 'title', 'style', 'body', 'main', 'header', 'footer', 'section', 'div',
                'h1', 'h2', 'p', 'strong', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'svg', 'g', 'text', 'rect', 'line',
                'bdi', 'span', 'wbr' } | Should -BeNullOrEmpty   # the report's own: values isolated (bdi), ARNs' parts (span) and break points (wbr)
            $page.attributes | Where-Object { $_ -match '^on|^(src|srcset|href|xlink:href|action|formaction|style|background|poster)$' } | Should -BeNullOrEmpty
        }
    }

    It 'draws one bar per model row, with the model total of the truth' {
        $models = @($Team.modelTable | ForEach-Object { $_[0] } | Select-Object -Unique)
        $models | Sort-Object -CaseSensitive | Should -Be @($June.models | ForEach-Object { if ($null -eq $_.model) { '(none)' } else { $_.model } } | Sort-Object -CaseSensitive)
        $Team.modelBars | Should -HaveCount $models.Count
        foreach ($bar in $Team.modelBars) {
            $bar.rects | Should -BeGreaterOrEqual 1 -Because "$($bar.texts[0]) has a bar"
            $model = $June.models | Where-Object { $(if ($null -eq $_.model) { '(none)' } else { $_.model }) -eq $bar.texts[0] }
            $bar.texts[1] | Should -Be (Money $model.unblendedCost) -Because "the total of $($bar.texts[0])"
        }
    }

    It 'draws one daily bar per day of data, with axis ticks from zero past the largest day of the truth' {
        $days = @($June.days | Sort-Object day)
        $Team.dailyBars | Should -HaveCount $days.Count
        $Team.dailyBars | ForEach-Object { $_.rects | Should -BeGreaterOrEqual 1 }
        # Day labels: in order, each a day of the data.
        $labels = @($Team.dailyBars | ForEach-Object { $_.texts } | Where-Object { $_ })
        $labels.Count | Should -BeGreaterThan 1
        $labels[0] | Should -Be $days[0].day.Substring(5)
        $labels | ForEach-Object { "2026-$_" | Should -BeIn $days.day }
        $labels | Should -Be ($labels | Sort-Object)
        # The y axis: 0, the largest day (attributed and unattributed parts stacked) and, with credits, the lowest.
        $high = [decimal]0; $low = [decimal]0
        foreach ($d in $days) {
            $attributed = [decimal]0
            foreach ($p in $June.principals) { foreach ($pd in $p.days) { if ($pd.day -eq $d.day) { $attributed += $pd.unblendedCost } } }
            $unattributed = $d.unblendedCost - $attributed
            $high = [Math]::Max($high, [Math]::Max($attributed, 0) + [Math]::Max($unattributed, 0))
            $low = [Math]::Min($low, [Math]::Min($attributed, 0) + [Math]::Min($unattributed, 0))
        }
        # Round ticks (issue 12) that take in the largest and, with credits, the lowest day: 0 among them.
        $Team.dailyAxis | Should -Contain '0'
        $ticks = @($Team.dailyAxis | Where-Object { $_ -match '^-?[\d,]+(\.\d+)?$' } | ForEach-Object { [decimal]::Parse($_, [System.Globalization.NumberStyles]::Number, $Inv) })
        ($ticks | Measure-Object -Maximum).Maximum | Should -BeGreaterOrEqual $high
        ($ticks | Measure-Object -Minimum).Minimum | Should -BeLessOrEqual $low
    }

    It 'needs no network: no resource URLs, no script' {
        $TeamText | Should -Not -Match '<script|<link|<img|<iframe'
        $TeamText | Should -Not -Match '<[a-zA-Z][^<>]*\s(src|href|srcset)\s*='
        $TeamText | Should -Not -Match 'url\(|@import'
    }
}
