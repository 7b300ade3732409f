import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import { DashboardApp } from './app/dashboard-app';
import './app/dashboard.css';

const root = document.getElementById('app');
if (root) render(<DashboardApp />, root);
