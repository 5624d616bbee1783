# ConvertTo-BedrockChargeback and Export-BedrockChargeback against the built module and the sample export,
# with the HTML report rendered in a real headless Chromium.
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
    function script:Sum($Objects) { [decimal](($Objects | Measure-Object -Property Cost -Sum).Sum) }
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction Ignore
}

Describe 'ConvertTo-BedrockChargeback' {
    BeforeAll {
        $script:Total = Sum (Get-BedrockCostByPrincipal -Path $SamplePath)
    }

    It 'reconciles exactly with the Bedrock total under policy <_>' -ForEach 'Keep', 'Proportional', 'Even', 'Assign' {
        $lines = ConvertTo-BedrockChargeback -Path $SamplePath -CostCenterTag cost-center -UnallocatedPolicy $_ -UnallocatedOwner IT
        $lines[0].PSObject.TypeNames | Should -Contain 'BedrockCost.Core.Allocation.ChargebackLine'
        Sum $lines | Should -Be $Total
        if ($_ -eq 'Keep') { $lines.CostCenter | Should -Contain '(unallocated)' }
        else { $lines.LineType | Should -Contain 'Allocation' }
    }

    It 'takes PrincipalCost rows from Get-BedrockCostByPrincipal' {
        $rows = Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy Principal, Model, iamPrincipal/team
        $lines = $rows | ConvertTo-BedrockChargeback -CostCenterTag team -UnallocatedPolicy Proportional
        Sum $lines | Should -Be (Sum $rows)
        $lines.CostCenter | Should -Contain 'ml'
        $lines.CostCenter | Should -Not -Contain '(unallocated)'
    }

    It 'puts the mapping file ahead of the tag' {
        $lines = ConvertTo-BedrockChargeback -Path $SamplePath -CostCenterTag cost-center -MappingFile $Mapping
        $alice = $lines | Where-Object Principal -EQ 'arn:aws:iam::111122223333:user/alice'
        $alice.CostCenter | Sort-Object -Unique | Should -Be 'CC-ALICE'
        $alice[0].AssignedBy | Should -Be 'Mapping'
        $alice[0].Owner | Should -Be 'Ann <ann@example.com>'
        ($lines | Where-Object Role -EQ 'BatchRunner').CostCenter | Sort-Object -Unique | Should -Be 'CC-BATCH'
    }

    It 'implies Assign from -UnallocatedOwner' {
        $lines = ConvertTo-BedrockChargeback -Path $SamplePath -UnallocatedOwner Platform
        $lines.CostCenter | Sort-Object -Unique | Should -Be 'Platform'
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

        $json = Get-Content -Raw -LiteralPath (Join-Path $out 'bedrock-chargeback-2026-06.json') | ConvertFrom-Json
        $json.reconciliation[0].difference | Should -Be 0
        $json.reconciliation[0].sourceTotal | Should -Be $json.reconciliation[0].allocatedTotal
    }

    It 'escapes spreadsheet formulas in the CSV and keeps the reconciliation rows in the summary file' {
        $lines, $summary = Export-BedrockChargeback -Path $SamplePath -CostCenterTag cost-center -Destination (Join-Path $Work 'cc.csv')
        $summary.Name | Should -Be 'cc-summary.csv'
        $rows = Import-Csv -LiteralPath $lines.FullName
        $rows.CostCenter | Should -Contain "'=HYPERLINK(`"http://x`")"
        $rows.CostCenter | Should -Not -Contain '=HYPERLINK("http://x")'
        $totals = Import-Csv -LiteralPath $summary.FullName
        [decimal]($totals | Where-Object RowType -EQ 'Difference').Cost | Should -Be 0
        ($rows | Measure-Object { [decimal]$_.Cost } -Sum).Sum | Should -Be ([decimal]($totals | Where-Object RowType -EQ 'SourceTotal').Cost)
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
        $script:Chromium = @('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable') |
            ForEach-Object { Get-Command -Name $_ -CommandType Application -ErrorAction Ignore } | Select-Object -First 1
        if (-not $Chromium) { throw 'Chromium is not installed: run tests/tools/Install-TestPrerequisites.ps1 (apt-get install chromium).' }

        # The team tag of the sample holds <script>alert(1)</script>; the cost-center tag a spreadsheet formula.
        $script:Html = (Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy Principal, Model, TokenType, Day, iamPrincipal/team |
            Export-BedrockChargeback -CostCenterTag team -MappingFile $Mapping -Destination (Join-Path $Work 'team.html')).FullName
        $script:HtmlText = Get-Content -Raw -LiteralPath $Html
        # A rooted Unix path casts to a relative [uri]; say Absolute to get file:///...
        $script:HtmlUri = [System.Uri]::new($Html, [System.UriKind]::Absolute).AbsoluteUri

        function script:Invoke-Chromium([string[]]$Arguments) {
            $profileDir = Join-Path $Work "chromium-$([guid]::NewGuid())"
            $common = @('--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
                '--disable-component-update', '--disable-sync', '--enable-logging=stderr', '--v=0', "--user-data-dir=$profileDir")
            $errFile = Join-Path $Work "chromium-$([guid]::NewGuid()).err"
            $stdout = & $Chromium.Source @common @Arguments 2> $errFile
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Stdout = ($stdout -join "`n"); Stderr = (Get-Content -Raw -LiteralPath $errFile) }
        }
        $script:Dom = Invoke-Chromium @('--dump-dom', $HtmlUri)
    }

    It 'renders without script or console errors' {
        $Dom.ExitCode | Should -Be 0 -Because $Dom.Stderr
        $Dom.Stdout | Should -Match '</html>' -Because $Dom.Stderr
        "$($Dom.Stderr)" | Should -Not -Match 'CONSOLE|Uncaught|SyntaxError'
    }

    It 'has the SVG charts' {
        foreach ($id in 'chart-cost-centres', 'chart-models', 'chart-daily', 'chart-budget') {
            $Dom.Stdout | Should -Match "<svg[^>]*id=`"$id`""
        }
        ([regex]::Matches($Dom.Stdout, '<rect ')).Count | Should -BeGreaterThan 20
    }

    It 'shows hostile tag values and names as plain text' {
        $Dom.Stdout | Should -Match ([regex]::Escape('&lt;script&gt;alert(1)&lt;/script&gt;'))
        $Dom.Stdout | Should -Not -Match '<script'
        $Dom.Stdout | Should -Match ([regex]::Escape('Ann &lt;ann@example.com&gt;'))
    }

    It 'needs no network: no resource URLs, no script' {
        $HtmlText | Should -Not -Match '<script|<link|<img|<iframe'
        $HtmlText | Should -Not -Match '\s(src|href|srcset)\s*='
        $HtmlText | Should -Not -Match 'url\(|@import'
    }

    It 'takes a screenshot' {
        $png = Join-Path $Work 'report.png'
        $shot = Invoke-Chromium @('--hide-scrollbars', '--window-size=1200,2400', "--screenshot=$png", $HtmlUri)
        $shot.ExitCode | Should -Be 0
        (Get-Item -LiteralPath $png).Length | Should -BeGreaterThan 20000
    }
}
