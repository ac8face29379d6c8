-- One database per service (each service owns its data); tables come from each service's migrations.
create database placement;
create database timesheet;
create database invoicing;
create database notifications;
