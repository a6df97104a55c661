"""Config loading: errors name the file and the key, placeholders only pass when allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stack.config import CONFIG_DIR, ConfigError, load_config


def write_config(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "custom.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def local_document() -> dict:
    return yaml.safe_load((CONFIG_DIR / "local.yaml").read_text(encoding="utf-8"))


def test_local_config_needs_no_real_account() -> None:
    settings = load_config("local").stage("local")
    assert settings.account == "000000000000"
    assert settings.input_bucket_name == "glueline-local-input-000000000000-us-east-1"
    assert settings.file_processor_job_name == "glueline-local-file-processor"
    assert settings.infrastructure_stack_name == "glueline-local-infrastructure"


def test_committed_aws_config_refuses_placeholders_without_the_flag() -> None:
    with pytest.raises(ConfigError) as error:
        load_config("aws")
    message = str(error.value)
    assert message.startswith("config/aws.yaml: pipeline.account is a placeholder")
    assert "allow_placeholders=true" in message
    assert "stages.dev.account" in message
    assert "stages.prod.account" in message


def test_placeholders_become_distinct_stand_ins_when_allowed() -> None:
    config = load_config("aws", allow_placeholders=True)
    accounts = {
        config.require_pipeline().account,
        config.stage("dev").account,
        config.stage("prod").account,
    }
    assert len(accounts) == 3
    assert all(account.startswith("0000000000") for account in accounts)


def test_placeholder_in_a_custom_file_names_that_file_and_key(tmp_path: Path) -> None:
    document = local_document()
    document["stages"]["local"]["account"] = "<your-account>"
    with pytest.raises(ConfigError, match=r"custom\.yaml: stages\.local\.account is a placeholder"):
        load_config(write_config(tmp_path, document))


def test_missing_key_is_named_with_the_file(tmp_path: Path) -> None:
    document = local_document()
    del document["stages"]["local"]["region"]
    with pytest.raises(ConfigError, match=r"custom\.yaml: stages\.local\.region is missing"):
        load_config(write_config(tmp_path, document))


def test_malformed_account_is_rejected(tmp_path: Path) -> None:
    document = local_document()
    document["stages"]["local"]["account"] = "12345"
    with pytest.raises(ConfigError, match=r"stages\.local\.account is invalid"):
        load_config(write_config(tmp_path, document))


def test_unknown_setting_is_rejected(tmp_path: Path) -> None:
    document = local_document()
    document["stages"]["local"]["acount"] = "000000000000"
    with pytest.raises(ConfigError, match=r"stages\.local\.acount is not a known setting"):
        load_config(write_config(tmp_path, document))


def test_pipeline_section_is_required_only_for_pipeline_delivery(tmp_path: Path) -> None:
    document = local_document()
    assert load_config(write_config(tmp_path, document)).pipeline is None
    document["delivery"] = "pipeline"
    config = load_config(write_config(tmp_path, document))
    with pytest.raises(ConfigError, match=r"custom\.yaml: pipeline is missing"):
        config.require_pipeline()


def test_unknown_stage_is_named() -> None:
    with pytest.raises(ConfigError, match=r"config/local\.yaml: stages\.prod is missing"):
        load_config("local").stage("prod")
