# Issue 10 at the cmdlet boundary: the reproductions that are about what the user sees (error ids and categories,
# warnings, what a report file says, what is read or written), against the built module. The hostile-input
# corpus itself runs in xunit (tests/BedrockCost.Core.Tests/Integrity); the S3 -WhatIf and cache cleanup checks
# are in S3.Tests.ps1, which has the S3 server.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-integrity-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $null = New-Item -ItemType Directory -Path $Work

    # A CUR 2.0 CSV with the required columns: five Bedrock line items, one costing "NaN" and one "Infinity".
    $script:Csv = Join-Path $Work 'hostile.csv'
    $header = 'bill_billing_period_start_date,line_item_usage_account_id,line_item_line_item_type,line_item_usage_start_date,' +
        'line_item_product_code,line_item_usage_type,line_item_usage_amount,line_item_unblended_cost,line_item_currency_code,' +
        'line_item_iam_principal,pricing_unit'
    $row = { param($cost, $who) "2026-05-01T00:00:00Z,111122223333,Usage,2026-05-03T00:00:00Z,AmazonBedrock,USE1-Claude4.6Sonnet-input-tokens,10,$cost,USD,arn:aws:iam::111122223333:user/$who,1K tokens" }
    Set-Content -LiteralPath $Csv -Value @($header, (& $row 1.25 alice), (& $row NaN alice), (& $row 2.5 bob), (& $row Infinity bob), (& $row 0.25 carol))

    function script:Copy-Sample([string]$Name) {
        $to = Join-Path $Work $Name
        Copy-Item -LiteralPath $SamplePath -Destination $to -Recurse
        $to
    }
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction Ignore
}

Describe 'No cost is silently zero' {
    It 'reports what it read, writes InvalidCostValue for the rest, and says the totals are incomplete' {
        $rows = @(Get-BedrockCostByPrincipal -LiteralPath $Csv -ErrorVariable err -ErrorAction SilentlyContinue -WarningVariable warn -WarningAction SilentlyContinue -Verbose 4>&1)
        $objects = @($rows | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        [decimal](($objects | Measure-Object Cost -Sum).Sum) | Should -Be 4.0
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidCostValue,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].Exception.Message | Should -Match "2 Bedrock line item\(s\) have a line_item_unblended_cost .* \(first at line 3: 'NaN'\)"
        $warn | Should -Match 'The totals are incomplete: 2 Bedrock line item\(s\)'
        ($rows | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Reconciliation*' }).Message |
            Should -Match 'difference 0\. INCOMPLETE: 2 Bedrock line item\(s\) could not be read'
    }

    It 'carries INCOMPLETE into every chargeback file' {
        $out = Join-Path $Work 'statement'
        $files = @(Export-BedrockChargeback -LiteralPath $Csv -Destination $out -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        # CSV, its summary, JSON, HTML: every file with a reconciliation says it (the lines CSV is the lines alone).
        $files.Count | Should -Be 4
        foreach ($f in $files | Where-Object Name -NotMatch '^bedrock-chargeback-[0-9-_]+\.csv$') {
            Get-Content -Raw -LiteralPath $f.FullName | Should -Match 'INCOMPLETE: 2 Bedrock line item\(s\)' -Because $f.Name
        }
        (Get-Content -Raw -LiteralPath ($files | Where-Object Extension -eq '.json').FullName | ConvertFrom-Json).Reconciliation[0].LineItemsLeftOut | Should -Be 2
    }
}

Describe 'Every data file is read once' {
    It 'reads a file listed 1,000 times by its manifest once, and names it' {
        $export = Copy-Sample 'dup'
        $manifest = Join-Path $export 'metadata/BILLING_PERIOD=2026-05/bedrock-cur-Manifest.json'
        $uri = 's3://example-cur-bucket/cur/bedrock-cur/data/BILLING_PERIOD=2026-05/bedrock-cur-00001.snappy.parquet'
        @{ dataFiles = @(1..1000 | ForEach-Object { $uri }) } | ConvertTo-Json -Depth 3 | Set-Content -LiteralPath $manifest
        $once = [decimal]((Get-BedrockCostByPrincipal -LiteralPath (Join-Path $SamplePath 'data/BILLING_PERIOD=2026-05/bedrock-cur-00001.snappy.parquet') | Measure-Object Cost -Sum).Sum)
        $rows = @(Get-BedrockCostByPrincipal -LiteralPath $export -BillingPeriod 2026-05 -WarningVariable warn -WarningAction SilentlyContinue)
        [decimal](($rows | Measure-Object Cost -Sum).Sum) | Should -Be $once
        # The file's Bedrock total by DuckDB (the reference's rule: product codes and family, any principal, Marketplace editions).
        $sum = Join-Path $Work 'dup-sum.csv'
        $file = (Join-Path $SamplePath 'data/BILLING_PERIOD=2026-05/bedrock-cur-00001.snappy.parquet').Replace("'", "''")
        Invoke-DuckDb "COPY (SELECT CAST(sum(CAST(line_item_unblended_cost AS DECIMAL(38, 12))) AS VARCHAR) AS total FROM read_parquet('$file') WHERE lower(line_item_product_code) <> 'amazonbedrockagentcore' AND (lower(line_item_product_code) IN ('amazonbedrock', 'amazonbedrockservice', 'amazonbedrockfoundationmodels') OR lower(coalesce(product_product_family, '')) = 'amazon bedrock' OR coalesce(line_item_iam_principal, '') <> '' OR (lower(coalesce(bill_billing_entity, '')) = 'aws marketplace' AND (product['product_name'] ILIKE '%(Amazon Bedrock Edition)%' OR product['servicename'] ILIKE '%(Amazon Bedrock Edition)%')))) TO '$($sum.Replace("'", "''"))' (HEADER, QUOTE '')"
        $once | Should -Be ([decimal]::Parse((Import-Csv -LiteralPath $sum).total, [cultureinfo]::InvariantCulture))
        $warn | Should -Match "lists the same data file more than once: '.*bedrock-cur-00001.snappy.parquet' \(1,000 times\)"
    }

    It 'takes the latest of two create-new executions a manifest names, with a warning, not a raw exception' {
        $export = Join-Path $Work 'cn/bedrock-cur'
        $period = Join-Path $export 'data/BILLING_PERIOD=2026-05'
        foreach ($e in '20260601T000000Z-a', '20260602T000000Z-b') { $null = New-Item -ItemType Directory -Path (Join-Path $period $e) }
        Copy-Item (Join-Path $SamplePath 'data/BILLING_PERIOD=2026-05/bedrock-cur-00001.snappy.parquet') (Join-Path $period '20260601T000000Z-a/bedrock-cur-00001.snappy.parquet')
        Copy-Item (Join-Path $SamplePath 'data/BILLING_PERIOD=2026-05/bedrock-cur-00002.snappy.parquet') (Join-Path $period '20260602T000000Z-b/bedrock-cur-00001.snappy.parquet')
        $null = New-Item -ItemType Directory -Path (Join-Path $export 'metadata/BILLING_PERIOD=2026-05')
        @{ dataFiles = @('20260601T000000Z-a', '20260602T000000Z-b' | ForEach-Object { "s3://b/cur/bedrock-cur/data/BILLING_PERIOD=2026-05/$_/bedrock-cur-00001.snappy.parquet" }) } |
            ConvertTo-Json | Set-Content -LiteralPath (Join-Path $export 'metadata/BILLING_PERIOD=2026-05/bedrock-cur-Manifest.json')
        $latest = [decimal]((Get-BedrockCostByPrincipal -LiteralPath (Join-Path $SamplePath 'data/BILLING_PERIOD=2026-05/bedrock-cur-00002.snappy.parquet') | Measure-Object Cost -Sum).Sum)
        $rows = @(Get-BedrockCostByPrincipal -LiteralPath $export -ErrorVariable err -ErrorAction SilentlyContinue -WarningVariable warn -WarningAction SilentlyContinue)
        $err | Should -BeNullOrEmpty
        [decimal](($rows | Measure-Object Cost -Sum).Sum) | Should -Be $latest
        $warn | Should -Match 'names the files of 2 executions .* only the latest, 20260602T000000Z-b, counts'
    }
}

Describe 'Only the module''s own errors, saying what happened' {
    It 'says a zero-byte file given by path is empty' {
        $empty = Join-Path $Work 'empty.snappy.parquet'
        $null = New-Item -ItemType File -Path $empty
        $null = Get-BedrockCostByPrincipal -LiteralPath $empty -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NoCurFiles,*'
        $err[0].Exception.Message | Should -BeLike "'*empty.snappy.parquet' is empty (0 bytes)*"
    }

    It 'says ManifestFileMissing for a local manifest naming a missing file' {
        $export = Copy-Sample 'missing'
        Remove-Item (Join-Path $export 'data/BILLING_PERIOD=2026-05/*')
        $null = Get-BedrockCostByPrincipal -LiteralPath $export -BillingPeriod 2026-05 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ManifestFileMissing,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'refuses -Destination on another provider before reading, and writes nothing' {
        Push-Location $Work
        try {
            { Export-BedrockChargeback -Path $SamplePath -Destination Function:/report.html -Verbose 4>$null -ErrorAction Stop } |
                Should -Throw -ErrorId 'PathNotFileSystem,BedrockCost.Commands.ExportBedrockChargeback'
            Test-Path -LiteralPath (Join-Path $Work 'report.html') | Should -BeFalse
            Test-Path -LiteralPath Function:/report.html | Should -BeFalse
        }
        finally { Pop-Location }
    }

    It 'names the file and rule of a lone surrogate in a mapping file' {
        $map = Join-Path $Work 'surrogate.json'
        Set-Content -LiteralPath $map -Value '[{"Pattern": "*:user/alice", "CostCenter": "ml"}, {"Pattern": "*:user/bob", "CostCenter": "\udc00"}]'
        { ConvertTo-BedrockChargeback -Path $SamplePath -MappingFile $map -ErrorAction Stop } |
            Should -Throw -ErrorId 'MappingRuleInvalid,BedrockCost.Commands.ConvertToBedrockChargeback'
        try { ConvertTo-BedrockChargeback -Path $SamplePath -MappingFile $map -ErrorAction Stop } catch { $e = $_ }
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.Exception.Message | Should -Match 'Rule 2 of the cost-centre mapping file .*surrogate\.json.* lone UTF-16 surrogate'
    }

    It '<Cmdlet> -AsOf <AsOf> outside the data gives results as of the data''s last day and says so' -ForEach @(
        @{ Cmdlet = 'Get-BedrockCostForecast'; AsOf = '2027-03-15' }
        @{ Cmdlet = 'Get-BedrockCostAnomaly'; AsOf = '2027-03-15' }
    ) {
        $out = @(& $Cmdlet -Path $SamplePath -AsOf $AsOf -ErrorVariable err -ErrorAction SilentlyContinue -WarningVariable warn -WarningAction SilentlyContinue)
        $err | Should -BeNullOrEmpty
        $warn.Message | Should -Contain "The data ends on 2026-06-30, before -AsOf $AsOf; results are as of 2026-06-30."
        if ($Cmdlet -eq 'Get-BedrockCostForecast') { $out.Count | Should -BeGreaterThan 0 }
    }

    It '<Cmdlet> -AsOf <AsOf> before the data says there is no usage up to that day' -ForEach @(
        @{ Cmdlet = 'Get-BedrockCostForecast'; AsOf = '2025-01-15' }
        @{ Cmdlet = 'Get-BedrockCostAnomaly'; AsOf = '2025-01-15' }
    ) {
        $out = @(& $Cmdlet -Path $SamplePath -AsOf $AsOf -ErrorVariable err -ErrorAction SilentlyContinue -WarningVariable warn -WarningAction SilentlyContinue)
        $err | Should -BeNullOrEmpty
        $out.Count | Should -Be 0
        $warn.Message | Should -Contain "The data holds no daily Bedrock usage on or before -AsOf $AsOf for the filters given: it starts later, or the filters select nothing. Give an -AsOf within the data."
    }
}
