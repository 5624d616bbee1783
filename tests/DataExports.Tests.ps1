# New-BedrockCostExport against a local Data Exports endpoint (tests/tools/BedrockCost.FakeAws dataexports) that checks SigV4
# (bcm-data-exports, us-east-1), the target and the request's shape, and parses the statement with only the SQL the Data
# Exports guide documents.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $fake = Start-FakeAws dataexports '--unwritable', 'no-policy-bucket'
    $aws = @{ EndpointUrl = $fake.Url; AccessKey = $fake.AccessKey; SecretKey = $fake.SecretKey; Region = 'eu-west-1' }
}

AfterAll { Stop-FakeAws $fake }

Describe 'New-BedrockCostExport' {
    It 'prints the exact statement and configuration under -WhatIf and sends nothing' {
        $before = @(Get-FakeLog $fake).Count
        $script = "Import-Module '$ModulePath'; New-BedrockCostExport -S3Uri s3://billing-bucket/cur -EndpointUrl '$($fake.Url)' -AccessKey '$($fake.AccessKey)' -SecretKey '$($fake.SecretKey)' -Region eu-west-1 -WhatIf"
        $exe = $PwshCommand[0]
        $prefix = @($PwshCommand | Select-Object -Skip 1)
        $text = (& $exe @prefix -NoProfile -NonInteractive -Command $script 2>&1) -join "`n"
        $LASTEXITCODE | Should -Be 0
        $text | Should -Match 'What if: Create the CUR 2.0 data export ''bedrock-cur'', delivered to s3://billing-bucket/cur/bedrock-cur'
        $text | Should -Match '(?m)^SELECT bill_billing_period_start_date, .*line_item_iam_principal.*, product, tags$'
        $text | Should -Match "WHERE line_item_product_code IN \('AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels', 'AmazonBedrockAgentCore'\)"
        $text | Should -Match "OR bill_billing_entity = 'AWS Marketplace'"
        $text | Should -Match '"INCLUDE_IAM_PRINCIPAL_DATA": "TRUE"'
        $text | Should -Match '"TIME_GRANULARITY": "DAILY"'
        $text | Should -Match '"Overwrite": "OVERWRITE_REPORT"'
        $text | Should -Match '"S3Region": "eu-west-1"'
        $text | Should -Not -Match ([regex]::Escape($fake.SecretKey))
        @(Get-FakeLog $fake).Count | Should -Be $before
    }

    It 'creates the export and returns its ARN and settings' {
        $export = New-BedrockCostExport -S3Uri s3://billing-bucket/cur -ExportName bedrock-cur-1 @aws -Confirm:$false
        $export.PSObject.TypeNames[0] | Should -Be 'BedrockCost.Core.DataExports.CostExportDefinition'
        $export.ExportArn | Should -Match '^arn:aws:bcm-data-exports:us-east-1:\d{12}:export/bedrock-cur-1-'
        $export.S3Uri | Should -Be 's3://billing-bucket/cur/bedrock-cur-1'
        $export.S3Region | Should -Be 'eu-west-1'
        $export.TableConfigurations['INCLUDE_IAM_PRINCIPAL_DATA'] | Should -Be 'TRUE'
        $export.Columns | Should -Contain 'line_item_iam_principal'
        $request = Get-FakeLog $fake | Select-Object -Last 1
        $request.Target | Should -Be 'AWSBillingAndCostManagementDataExports.CreateExport'
        $request.Problem | Should -BeNullOrEmpty
        $request.Status | Should -Be 200
        ($request.Body | ConvertFrom-Json).Export.DataQuery.QueryStatement | Should -Be $export.QueryStatement
    }

    It 'names a bucket billing cannot write to with AWS''s message' {
        { New-BedrockCostExport -S3Uri s3://no-policy-bucket/cur @aws -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'DataExportsBucketNotWritable,BedrockCost.Commands.NewBedrockCostExport'
        $err = $null
        New-BedrockCostExport -S3Uri s3://no-policy-bucket/cur @aws -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match 'Failed to write to the S3 bucket no-policy-bucket'
        "$($err[0])" | Should -Match 'bcm-data-exports.amazonaws.com'
    }

    It 'refuses a location that is not s3:// before any request' {
        $before = @(Get-FakeLog $fake).Count
        { New-BedrockCostExport -S3Uri https://billing-bucket/cur @aws -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'AwsInvalidParameter,BedrockCost.Commands.NewBedrockCostExport'
        @(Get-FakeLog $fake).Count | Should -Be $before
    }
}
