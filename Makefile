# telco-mart: every command a user or CI needs. `make demo` and `make test` are the two to know.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin

export TELCO_MART_HOME ?= $(CURDIR)/data
export AIRFLOW_HOME ?= $(TELCO_MART_HOME)/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT := 120
export SPARK_LOCAL_IP ?= 127.0.0.1
export PYSPARK_PYTHON := $(BIN)/python
# dbt started by hand (`.venv/bin/dbt build --project-dir dbt_project`) keeps its state under the data root too.
export DBT_PROFILES_DIR := $(CURDIR)/dbt_project
export DBT_TARGET_PATH ?= $(TELCO_MART_HOME)/dbt/target
export DBT_LOG_PATH ?= $(TELCO_MART_HOME)/dbt/logs

# The demo: a year of monthly extracts, the last 31 days of daily ones, ending on a month end
# so the last business date carries every table.
DEMO_END_DATE ?= 2026-11-30
DEMO_START_DATE ?= 2025-12-01
DEMO_DAILY_START ?= 2026-10-31
DEMO_HISTORY_END ?= 2026-11-29
DEMO_SUBSCRIBERS ?= 20000
DEMO_SESSIONS ?= 20
DEMO_DAILY_DAYS ?= 31
DEMO_DEFECT_RATE ?= 0.002
# A subscriber with several open tasks on the demo's last date, for the front-desk lookup.
DEMO_LOOKUP ?= S0000000098
# The campaign loop: from the last extract date, six campaign days answered by the channel simulator.
DEMO_CAMPAIGN_END ?= 2026-12-05

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(BIN)/telco-mart: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra airflow
	@touch $@

.PHONY: venv
venv: $(BIN)/telco-mart ## Install the locked environment into .venv (uv)

.PHONY: airflow-init
airflow-init: venv ## Create the Airflow metadata DB (SQLite under the data root) and the Spark pool
	@mkdir -p $(AIRFLOW_HOME)
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || (tail -20 $(AIRFLOW_HOME)/db-migrate.log; exit 1)
	$(BIN)/airflow pools set telco_mart_spark 2 "Spark tasks that may run at once on this machine" > /dev/null

.PHONY: demo
demo: venv ## Generate demo extracts, ingest the history, run the daily DAG (ingest, quality, dbt mart, tags, task models)
	@echo "==> 1/4 generating $(DEMO_SUBSCRIBERS) subscribers, $(DEMO_START_DATE)..$(DEMO_END_DATE) under $(TELCO_MART_HOME)"
	$(BIN)/telco-mart generate --start-date $(DEMO_START_DATE) --end-date $(DEMO_END_DATE) \
	  --subscribers $(DEMO_SUBSCRIBERS) --sessions-per-day $(DEMO_SESSIONS) --daily-days $(DEMO_DAILY_DAYS) \
	  --defect-rate $(DEMO_DEFECT_RATE) --seed 20261130
	@echo "==> 2/4 ingesting the history: month ends from $(DEMO_START_DATE), every table from $(DEMO_DAILY_START) to $(DEMO_HISTORY_END)"
	$(BIN)/telco-mart ingest --start-date $(DEMO_START_DATE) --end-date $(DEMO_DAILY_START) --frequency monthly
	$(BIN)/telco-mart ingest --start-date $(DEMO_DAILY_START) --end-date $(DEMO_HISTORY_END) --frequency daily
	@echo "==> 3/4 running the daily DAG for $(DEMO_END_DATE) with Airflow (airflow dags test, SQLite)"
	$(MAKE) --no-print-directory airflow-init
	$(BIN)/airflow dags test telco_mart_daily $(DEMO_END_DATE) > $(TELCO_MART_HOME)/demo-dag-test.log 2>&1 \
	  || (grep -E "ERROR|error|Failed|failed" $(TELCO_MART_HOME)/demo-dag-test.log | tail -20; exit 1)
	@grep -E "DAG TEST\] running task|new_state=" $(TELCO_MART_HOME)/demo-dag-test.log | sed -E 's/.*running task <TaskInstance: ([^ ]+).*/  ran \1/; s/.*(new_state=[a-z_]+).*/    \1/' || true
	@grep -o "no champion churn model existed.*promoted it" $(TELCO_MART_HOME)/demo-dag-test.log | head -1 | sed 's/^/  task_models: /' || true
	@echo "==> 4/4 summary"
	$(BIN)/telco-mart summary --start-date $(DEMO_START_DATE) --end-date $(DEMO_END_DATE)
	@echo "==> the mart: an analyst's query and a planner's trial count"
	$(BIN)/telco-mart sql "select city, count(*) as subscribers, sum(cast(is_dnd as int)) as do_not_disturb from dim_subscriber group by city order by subscribers desc" 2>/dev/null
	$(BIN)/telco-mart tags count "interest_video and terminal_5g_capable and not is_dnd and city in ('taiyuan','datong')" 2>/dev/null
	@echo "==> the task models: targets per sub-task, the churn model, and the front desk's view of one subscriber"
	$(BIN)/telco-mart sql "select task_class, task_code, count(*) as targets, max(model_version) as model from fct_task_targets group by task_class, task_code order by task_class, task_code" 2>/dev/null
	$(BIN)/telco-mart models list churn
	$(BIN)/telco-mart lookup $(DEMO_LOOKUP) 2>/dev/null
	@echo "==> campaigns: approve, then $(DEMO_END_DATE)..$(DEMO_CAMPAIGN_END) with the channel simulator answering each day"
	BIN=$(BIN) bash scripts/demo_campaigns.sh $(DEMO_END_DATE) $(DEMO_CAMPAIGN_END)
	@echo "==> an analyst measures the good offer by channel with the effect command, on an extract of the mart"
	$(BIN)/telco-mart sql --date $(DEMO_CAMPAIGN_END) --csv $(TELCO_MART_HOME)/analysis/fit_3g_outcomes.csv \
	  "select coalesce(channel, 'control') as arm, cast(is_success as int) as ordered, \
	          case when is_success then offer_fee_yuan else 0 end as monthly_fee_won_yuan \
	   from fct_contact_outcomes where campaign_id = 'fit_3g_recommended' and is_matured and is_reconciled" 2>/dev/null
	$(BIN)/telco-mart effect --table $(TELCO_MART_HOME)/analysis/fit_3g_outcomes.csv --arm arm --control control \
	  --outcome ordered --outcome monthly_fee_won_yuan
	@echo "Daily DAG log: $(TELCO_MART_HOME)/demo-dag-test.log; Data Docs: $(TELCO_MART_HOME)/quality/; tags: telco-mart tags list"
	@echo "Channel exports: $(TELCO_MART_HOME)/exports/<channel>/<date>/ (file, MANIFEST.json, _DONE)"
	@echo "Report: $$($(BIN)/telco-mart report --date $(DEMO_CAMPAIGN_END))"

.PHONY: lint-python
lint-python: venv ## ruff (with Airflow rules) and deptry (every import declared): the Python half of lint, seconds
	$(BIN)/ruff check .
	$(BIN)/deptry . > /dev/null 2>&1 || $(BIN)/deptry .
	$(BIN)/ruff format --check --diff . > /dev/null || (echo "ruff format would change files: run make format"; exit 1)

.PHONY: lint
lint: lint-python ## lint-python, then sqlfluff (dbt templater, compiles the project) over the dbt models
	@mkdir -p $(TELCO_MART_HOME)
	$(BIN)/sqlfluff lint dbt_project/models --disable-progress-bar > $(TELCO_MART_HOME)/sqlfluff.log 2>&1 \
	  || (grep -vE "WARN|log4j|setLogLevel|incubator" $(TELCO_MART_HOME)/sqlfluff.log; exit 1)

.PHONY: format
format: venv ## Format the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: test
test: lint ## Lint, then the whole test suite against real Spark and Airflow
	$(BIN)/python -m pytest

.PHONY: test-fast
test-fast: lint-python ## Python lint, then the unit tests and the DAG's integrity (no Airflow run, no cluster): a quick loop
	$(BIN)/python -m pytest tests/unit tests/dags/test_dag_integrity.py -q -m "not slow" -n 2 --dist loadfile

.PHONY: airflow-up
airflow-up: airflow-init ## A real local deployment: PostgreSQL, api-server, scheduler, dag-processor (LocalExecutor)
	bash scripts/airflow_local_deployment.sh up

.PHONY: airflow-down
airflow-down: ## Stop the local deployment started by airflow-up
	bash scripts/airflow_local_deployment.sh down

.PHONY: bench
bench: venv ## Benchmarks at the default size (1,000,000 subscribers, one day)
	$(BIN)/python benchmarks/bench_generate.py
	$(BIN)/python benchmarks/bench_ingest.py

.PHONY: docs
docs: venv ## Render the generated files: docs/interfaces.md and the dbt sources from the contract, the tag models
	$(BIN)/telco-mart contract-docs --out docs/interfaces.md
	$(BIN)/telco-mart mart sources
	$(BIN)/telco-mart tags generate

.PHONY: clean
clean: ## Remove the data root (all generated state)
	rm -rf $(TELCO_MART_HOME)
