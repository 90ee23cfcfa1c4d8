import { render } from 'preact';
import './styles.css';

render(<p>BP Tracker</p>, document.getElementById('app')!);
