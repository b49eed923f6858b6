using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JoinedUp.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Security : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "national_opt_out",
                table: "patient",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "sharing_dissent",
                table: "patient",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "confidential",
                table: "observation",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "recorded_by_service_id",
                table: "observation",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "confidential",
                table: "medication_statement",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "recorded_by_service_id",
                table: "medication_statement",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "confidential",
                table: "immunisation",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "recorded_by_service_id",
                table: "immunisation",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "confidential",
                table: "encounter",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "recorded_by_service_id",
                table: "encounter",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "confidential",
                table: "condition",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "recorded_by_service_id",
                table: "condition",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "app_role",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    normalized_name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    concurrency_stamp = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_app_role", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "app_user",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    display_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    staff_member_id = table.Column<int>(type: "INTEGER", nullable: true),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: true),
                    organisation_code = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    is_demo = table.Column<bool>(type: "INTEGER", nullable: false),
                    user_name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    normalized_user_name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    email = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    normalized_email = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    email_confirmed = table.Column<bool>(type: "INTEGER", nullable: false),
                    password_hash = table.Column<string>(type: "TEXT", nullable: true),
                    security_stamp = table.Column<string>(type: "TEXT", nullable: true),
                    concurrency_stamp = table.Column<string>(type: "TEXT", nullable: true),
                    phone_number = table.Column<string>(type: "TEXT", nullable: true),
                    phone_number_confirmed = table.Column<bool>(type: "INTEGER", nullable: false),
                    two_factor_enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    lockout_end = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    lockout_enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    access_failed_count = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_app_user", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "audit_entry",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    user_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    role = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    organisation_code = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    client_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: true),
                    action = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    resource = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    outcome = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    basis = table.Column<string>(type: "TEXT", maxLength: 1200, nullable: true),
                    detail = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    previous_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_entry", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "break_glass_access",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    user_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    role = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    organisation_code = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    reviewed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    reviewed_by_user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    review_outcome = table.Column<int>(type: "INTEGER", nullable: true),
                    review_note = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_break_glass_access", x => x.id);
                    table.ForeignKey(
                        name: "fk_break_glass_access_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "care_relationship",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    kind = table.Column<int>(type: "INTEGER", nullable: false),
                    team_id = table.Column<int>(type: "INTEGER", nullable: true),
                    staff_member_id = table.Column<int>(type: "INTEGER", nullable: true),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ended_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    source = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    end_reason = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_care_relationship", x => x.id);
                    table.ForeignKey(
                        name: "fk_care_relationship_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_care_relationship_staff_member_staff_member_id",
                        column: x => x.staff_member_id,
                        principalTable: "staff_member",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_care_relationship_team_team_id",
                        column: x => x.team_id,
                        principalTable: "team",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "carer_proxy",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    carer_user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    granted_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    granted_by_user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    withdrawn_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    withdrawn_by_user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_carer_proxy", x => x.id);
                    table.ForeignKey(
                        name: "fk_carer_proxy_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "consent_decision",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    kind = table.Column<int>(type: "INTEGER", nullable: false),
                    in_force = table.Column<bool>(type: "INTEGER", nullable: false),
                    recorded_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    recorded_by_user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    recorded_by_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    note = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_consent_decision", x => x.id);
                    table.ForeignKey(
                        name: "fk_consent_decision_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "oidc_application",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    application_type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    client_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    client_secret = table.Column<string>(type: "TEXT", nullable: true),
                    client_type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    concurrency_token = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    consent_type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    display_name = table.Column<string>(type: "TEXT", nullable: true),
                    display_names = table.Column<string>(type: "TEXT", nullable: true),
                    json_web_key_set = table.Column<string>(type: "TEXT", nullable: true),
                    permissions = table.Column<string>(type: "TEXT", nullable: true),
                    post_logout_redirect_uris = table.Column<string>(type: "TEXT", nullable: true),
                    properties = table.Column<string>(type: "TEXT", nullable: true),
                    redirect_uris = table.Column<string>(type: "TEXT", nullable: true),
                    requirements = table.Column<string>(type: "TEXT", nullable: true),
                    settings = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_oidc_application", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "oidc_scope",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    concurrency_token = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    description = table.Column<string>(type: "TEXT", nullable: true),
                    descriptions = table.Column<string>(type: "TEXT", nullable: true),
                    display_name = table.Column<string>(type: "TEXT", nullable: true),
                    display_names = table.Column<string>(type: "TEXT", nullable: true),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    properties = table.Column<string>(type: "TEXT", nullable: true),
                    resources = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_oidc_scope", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "app_role_claim",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    role_id = table.Column<string>(type: "TEXT", nullable: false),
                    claim_type = table.Column<string>(type: "TEXT", nullable: true),
                    claim_value = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_app_role_claim", x => x.id);
                    table.ForeignKey(
                        name: "fk_app_role_claim_app_role_role_id",
                        column: x => x.role_id,
                        principalTable: "app_role",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "app_user_claim",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    claim_type = table.Column<string>(type: "TEXT", nullable: true),
                    claim_value = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_app_user_claim", x => x.id);
                    table.ForeignKey(
                        name: "fk_app_user_claim_app_user_user_id",
                        column: x => x.user_id,
                        principalTable: "app_user",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "app_user_login",
                columns: table => new
                {
                    login_provider = table.Column<string>(type: "TEXT", nullable: false),
                    provider_key = table.Column<string>(type: "TEXT", nullable: false),
                    provider_display_name = table.Column<string>(type: "TEXT", nullable: true),
                    user_id = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_app_user_login", x => new { x.login_provider, x.provider_key });
                    table.ForeignKey(
                        name: "fk_app_user_login_app_user_user_id",
                        column: x => x.user_id,
                        principalTable: "app_user",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "app_user_role",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    role_id = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_app_user_role", x => new { x.user_id, x.role_id });
                    table.ForeignKey(
                        name: "fk_app_user_role_app_role_role_id",
                        column: x => x.role_id,
                        principalTable: "app_role",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_app_user_role_app_user_user_id",
                        column: x => x.user_id,
                        principalTable: "app_user",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "app_user_token",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    login_provider = table.Column<string>(type: "TEXT", nullable: false),
                    name = table.Column<string>(type: "TEXT", nullable: false),
                    value = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_app_user_token", x => new { x.user_id, x.login_provider, x.name });
                    table.ForeignKey(
                        name: "fk_app_user_token_app_user_user_id",
                        column: x => x.user_id,
                        principalTable: "app_user",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "oidc_authorization",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    application_id = table.Column<string>(type: "TEXT", nullable: true),
                    concurrency_token = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    creation_date = table.Column<DateTime>(type: "TEXT", nullable: true),
                    properties = table.Column<string>(type: "TEXT", nullable: true),
                    scopes = table.Column<string>(type: "TEXT", nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    subject = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_oidc_authorization", x => x.id);
                    table.ForeignKey(
                        name: "fk_oidc_authorization_oidc_application_application_id",
                        column: x => x.application_id,
                        principalTable: "oidc_application",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "oidc_token",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    application_id = table.Column<string>(type: "TEXT", nullable: true),
                    authorization_id = table.Column<string>(type: "TEXT", nullable: true),
                    concurrency_token = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    creation_date = table.Column<DateTime>(type: "TEXT", nullable: true),
                    expiration_date = table.Column<DateTime>(type: "TEXT", nullable: true),
                    payload = table.Column<string>(type: "TEXT", nullable: true),
                    properties = table.Column<string>(type: "TEXT", nullable: true),
                    redemption_date = table.Column<DateTime>(type: "TEXT", nullable: true),
                    reference_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    subject = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    type = table.Column<string>(type: "TEXT", maxLength: 150, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_oidc_token", x => x.id);
                    table.ForeignKey(
                        name: "fk_oidc_token_oidc_application_application_id",
                        column: x => x.application_id,
                        principalTable: "oidc_application",
                        principalColumn: "id");
                    table.ForeignKey(
                        name: "fk_oidc_token_oidc_authorization_authorization_id",
                        column: x => x.authorization_id,
                        principalTable: "oidc_authorization",
                        principalColumn: "id");
                });

            migrationBuilder.CreateIndex(
                name: "ix_observation_recorded_by_service_id",
                table: "observation",
                column: "recorded_by_service_id");

            migrationBuilder.CreateIndex(
                name: "ix_medication_statement_recorded_by_service_id",
                table: "medication_statement",
                column: "recorded_by_service_id");

            migrationBuilder.CreateIndex(
                name: "ix_immunisation_recorded_by_service_id",
                table: "immunisation",
                column: "recorded_by_service_id");

            migrationBuilder.CreateIndex(
                name: "ix_encounter_recorded_by_service_id",
                table: "encounter",
                column: "recorded_by_service_id");

            migrationBuilder.CreateIndex(
                name: "ix_condition_recorded_by_service_id",
                table: "condition",
                column: "recorded_by_service_id");

            migrationBuilder.CreateIndex(
                name: "role_name_index",
                table: "app_role",
                column: "normalized_name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_app_role_claim_role_id",
                table: "app_role_claim",
                column: "role_id");

            migrationBuilder.CreateIndex(
                name: "email_index",
                table: "app_user",
                column: "normalized_email");

            migrationBuilder.CreateIndex(
                name: "ix_app_user_patient_id",
                table: "app_user",
                column: "patient_id");

            migrationBuilder.CreateIndex(
                name: "ix_app_user_staff_member_id",
                table: "app_user",
                column: "staff_member_id");

            migrationBuilder.CreateIndex(
                name: "user_name_index",
                table: "app_user",
                column: "normalized_user_name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_app_user_claim_user_id",
                table: "app_user_claim",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ix_app_user_login_user_id",
                table: "app_user_login",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ix_app_user_role_role_id",
                table: "app_user_role",
                column: "role_id");

            migrationBuilder.CreateIndex(
                name: "ix_audit_entry_at",
                table: "audit_entry",
                column: "at");

            migrationBuilder.CreateIndex(
                name: "ix_audit_entry_patient_id_at",
                table: "audit_entry",
                columns: new[] { "patient_id", "at" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_entry_user_id_at",
                table: "audit_entry",
                columns: new[] { "user_id", "at" });

            migrationBuilder.CreateIndex(
                name: "ix_break_glass_access_patient_id_user_id_expires_at",
                table: "break_glass_access",
                columns: new[] { "patient_id", "user_id", "expires_at" });

            migrationBuilder.CreateIndex(
                name: "ix_break_glass_access_reviewed_at",
                table: "break_glass_access",
                column: "reviewed_at");

            migrationBuilder.CreateIndex(
                name: "ix_care_relationship_patient_id_ended_at",
                table: "care_relationship",
                columns: new[] { "patient_id", "ended_at" });

            migrationBuilder.CreateIndex(
                name: "ix_care_relationship_staff_member_id_ended_at",
                table: "care_relationship",
                columns: new[] { "staff_member_id", "ended_at" });

            migrationBuilder.CreateIndex(
                name: "ix_care_relationship_team_id_ended_at",
                table: "care_relationship",
                columns: new[] { "team_id", "ended_at" });

            migrationBuilder.CreateIndex(
                name: "ix_carer_proxy_carer_user_id",
                table: "carer_proxy",
                column: "carer_user_id");

            migrationBuilder.CreateIndex(
                name: "ix_carer_proxy_patient_id_carer_user_id",
                table: "carer_proxy",
                columns: new[] { "patient_id", "carer_user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_consent_decision_patient_id_recorded_at",
                table: "consent_decision",
                columns: new[] { "patient_id", "recorded_at" });

            migrationBuilder.CreateIndex(
                name: "ix_oidc_application_client_id",
                table: "oidc_application",
                column: "client_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_oidc_authorization_application_id_status_subject_type",
                table: "oidc_authorization",
                columns: new[] { "application_id", "status", "subject", "type" });

            migrationBuilder.CreateIndex(
                name: "ix_oidc_scope_name",
                table: "oidc_scope",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_oidc_token_application_id_status_subject_type",
                table: "oidc_token",
                columns: new[] { "application_id", "status", "subject", "type" });

            migrationBuilder.CreateIndex(
                name: "ix_oidc_token_authorization_id",
                table: "oidc_token",
                column: "authorization_id");

            migrationBuilder.CreateIndex(
                name: "ix_oidc_token_reference_id",
                table: "oidc_token",
                column: "reference_id",
                unique: true);

            migrationBuilder.AddForeignKey(
                name: "fk_condition_service_recorded_by_service_id",
                table: "condition",
                column: "recorded_by_service_id",
                principalTable: "service",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "fk_encounter_service_recorded_by_service_id",
                table: "encounter",
                column: "recorded_by_service_id",
                principalTable: "service",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "fk_immunisation_service_recorded_by_service_id",
                table: "immunisation",
                column: "recorded_by_service_id",
                principalTable: "service",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "fk_medication_statement_service_recorded_by_service_id",
                table: "medication_statement",
                column: "recorded_by_service_id",
                principalTable: "service",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "fk_observation_service_recorded_by_service_id",
                table: "observation",
                column: "recorded_by_service_id",
                principalTable: "service",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);

            // The audit trail is append-only: the database itself refuses edits and deletions (docs/security.md).
            migrationBuilder.Sql("CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_entry_no_update;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_entry_no_delete;");
            migrationBuilder.DropForeignKey(
                name: "fk_condition_service_recorded_by_service_id",
                table: "condition");

            migrationBuilder.DropForeignKey(
                name: "fk_encounter_service_recorded_by_service_id",
                table: "encounter");

            migrationBuilder.DropForeignKey(
                name: "fk_immunisation_service_recorded_by_service_id",
                table: "immunisation");

            migrationBuilder.DropForeignKey(
                name: "fk_medication_statement_service_recorded_by_service_id",
                table: "medication_statement");

            migrationBuilder.DropForeignKey(
                name: "fk_observation_service_recorded_by_service_id",
                table: "observation");

            migrationBuilder.DropTable(
                name: "app_role_claim");

            migrationBuilder.DropTable(
                name: "app_user_claim");

            migrationBuilder.DropTable(
                name: "app_user_login");

            migrationBuilder.DropTable(
                name: "app_user_role");

            migrationBuilder.DropTable(
                name: "app_user_token");

            migrationBuilder.DropTable(
                name: "audit_entry");

            migrationBuilder.DropTable(
                name: "break_glass_access");

            migrationBuilder.DropTable(
                name: "care_relationship");

            migrationBuilder.DropTable(
                name: "carer_proxy");

            migrationBuilder.DropTable(
                name: "consent_decision");

            migrationBuilder.DropTable(
                name: "oidc_scope");

            migrationBuilder.DropTable(
                name: "oidc_token");

            migrationBuilder.DropTable(
                name: "app_role");

            migrationBuilder.DropTable(
                name: "app_user");

            migrationBuilder.DropTable(
                name: "oidc_authorization");

            migrationBuilder.DropTable(
                name: "oidc_application");

            migrationBuilder.DropIndex(
                name: "ix_observation_recorded_by_service_id",
                table: "observation");

            migrationBuilder.DropIndex(
                name: "ix_medication_statement_recorded_by_service_id",
                table: "medication_statement");

            migrationBuilder.DropIndex(
                name: "ix_immunisation_recorded_by_service_id",
                table: "immunisation");

            migrationBuilder.DropIndex(
                name: "ix_encounter_recorded_by_service_id",
                table: "encounter");

            migrationBuilder.DropIndex(
                name: "ix_condition_recorded_by_service_id",
                table: "condition");

            migrationBuilder.DropColumn(
                name: "national_opt_out",
                table: "patient");

            migrationBuilder.DropColumn(
                name: "sharing_dissent",
                table: "patient");

            migrationBuilder.DropColumn(
                name: "confidential",
                table: "observation");

            migrationBuilder.DropColumn(
                name: "recorded_by_service_id",
                table: "observation");

            migrationBuilder.DropColumn(
                name: "confidential",
                table: "medication_statement");

            migrationBuilder.DropColumn(
                name: "recorded_by_service_id",
                table: "medication_statement");

            migrationBuilder.DropColumn(
                name: "confidential",
                table: "immunisation");

            migrationBuilder.DropColumn(
                name: "recorded_by_service_id",
                table: "immunisation");

            migrationBuilder.DropColumn(
                name: "confidential",
                table: "encounter");

            migrationBuilder.DropColumn(
                name: "recorded_by_service_id",
                table: "encounter");

            migrationBuilder.DropColumn(
                name: "confidential",
                table: "condition");

            migrationBuilder.DropColumn(
                name: "recorded_by_service_id",
                table: "condition");
        }
    }
}
